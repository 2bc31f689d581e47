// Placeholder: replaced by the crash-test child.
print("parley-store-crashtest: not implemented yet")

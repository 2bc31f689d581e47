// The end-to-end payload format (message ids, bodies, attachment pointers) is its own target so
// that its parser can be fuzzed without the networking stack; every user of the SDK sees it.
@_exported import ParleyPayload

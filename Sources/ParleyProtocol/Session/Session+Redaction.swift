/// Sessions hold private keys: they print only public facts and hide their fields from
/// reflection (`dump`, debuggers' summaries, string interpolation).
extension SessionState: CustomStringConvertible, CustomReflectable {
    public var description: String {
        "SessionState(peer: \(remoteIdentityKey), awaitingResponse: \(isAwaitingResponse), secrets: redacted)"
    }
    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }
}

extension SessionRecord: CustomStringConvertible, CustomReflectable {
    public var description: String {
        "SessionRecord(current: \(current.map(\.description) ?? "none"), archived: \(archived.count))"
    }
    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }
}

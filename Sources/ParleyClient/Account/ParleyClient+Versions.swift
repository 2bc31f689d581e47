import ParleyProtocol

/// Which protocol suites this client reads. New sessions are always Parley-v2 (PQXDH with
/// ML-KEM-1024); Parley-v1 messages are refused as `unsupported_version` unless enabled here.
extension ParleyClient {
    static let acceptsParleyV1Setting = "client.accepts_parley_v1"

    /// Lets this device keep reading Parley-v1 sessions that its store already holds (off by
    /// default, and stored with the device's settings). While off, every Parley-v1 message is
    /// reported as ``ClientEvent/undecryptable(sender:reason:)`` with reason
    /// `unsupported_version`, and nothing in the store changes. Turning it on never makes this
    /// device start a Parley-v1 session: sending always starts Parley-v2 ones.
    public func setAcceptsParleyV1(_ accepts: Bool) async throws {
        try await store.setSetting(Self.acceptsParleyV1Setting, to: accepts ? "1" : "0")
    }

    /// Whether this device reads Parley-v1 messages (``setAcceptsParleyV1(_:)``); false by default.
    public func acceptsParleyV1() async throws -> Bool {
        try await store.setting(Self.acceptsParleyV1Setting) == "1"
    }

    /// The suites a received message may use.
    func versionPolicy() async throws -> VersionPolicy {
        try await acceptsParleyV1() ? .all : .v2Only
    }
}

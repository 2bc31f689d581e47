import ParleyCrypto

/// The store-backed API: start sessions, encrypt and decrypt for peer addresses, each as one
/// read-modify-write transaction of the store (``ProtocolStore/update(_:)``).
///
/// Two operations never start from the same session state, whether they come from this manager
/// (which also runs them one at a time, in order), from another manager, from another process
/// on the same store file, or from the store's own messaging API.
public actor SessionManager {
    private let store: any ProtocolStore
    private let random: any RandomSource
    private let encapsulator: any KEMEncapsulator
    private let versions: VersionPolicy
    private let lock = AsyncSerialLock()

    /// - Parameters:
    ///   - store: where identity, prekeys and sessions live.
    ///   - random: the source of every random draw; production uses ``SystemRandomSource``.
    ///   - encapsulator: ML-KEM encapsulation for Parley-v2 sessions this side starts;
    ///     production uses ``SystemKEMEncapsulator``.
    ///   - versions: which suites received messages may use (``VersionPolicy``).
    public init(
        store: any ProtocolStore, random: any RandomSource = SystemRandomSource(),
        encapsulator: any KEMEncapsulator = SystemKEMEncapsulator(), versions: VersionPolicy = .all
    ) {
        self.store = store
        self.random = random
        self.encapsulator = encapsulator
        self.versions = versions
    }

    /// Starts a session with `address` from its prekey bundle; it becomes the current session
    /// (an earlier one is archived).
    ///
    /// - Throws: ``ProtocolError/badSignature`` / ``ProtocolError/invalidKey`` (nothing stored),
    ///   or the store's error.
    public func startSession(with address: PeerAddress, bundle: PreKeyBundle) async throws {
        let random = self.random
        try await install(for: address) { identity in
            try SessionCipher.initiate(identity: identity, bundle: bundle, random: random)
        }
    }

    /// Starts a Parley-v2 session with `address` from its bundle (PQXDH); it becomes the current
    /// session (an earlier one is archived).
    ///
    /// - Throws: ``ProtocolError/badSignature`` / ``ProtocolError/invalidKey`` (nothing stored),
    ///   or the store's error.
    public func startSession(with address: PeerAddress, bundle: PQXDHBundle) async throws {
        let (random, encapsulator) = (self.random, self.encapsulator)
        try await install(for: address) { identity in
            try SessionCipher.initiate(identity: identity, bundle: bundle, random: random, encapsulator: encapsulator)
        }
    }

    /// Makes the session `initiate` returns current for `address`, in one transaction.
    private func install(
        for address: PeerAddress, _ initiate: @escaping @Sendable (IdentityKeyPair) throws -> SessionState
    ) async throws {
        try await lock.run {
            try await store.update { state in
                let session = try initiate(try state.identityKeyPair())
                var record = try state.sessionRecord(for: address) ?? SessionRecord()
                record.makeCurrent(session)
                return (SessionChange(address: address, record: record, consumedOneTimePreKey: nil), ())
            }
        }
    }

    /// Encrypts `plaintext` for `address` and commits the advanced sending state, in the
    /// transaction that read it, before returning the wire bytes: a message key is never used
    /// twice, also with other managers or processes on the same store.
    ///
    /// - Throws: ``ProtocolError/noSession`` without a session, or the store's error.
    public func encrypt(_ plaintext: [UInt8], for address: PeerAddress) async throws -> [UInt8] {
        let random = self.random
        return try await lock.run {
            try await store.update { state in
                var record = try state.sessionRecord(for: address) ?? SessionRecord()
                let wire = try SessionCipher.encrypt(
                    plaintext, record: &record, identity: try state.identityKeyPair(), random: random)
                return (SessionChange(address: address, record: record, consumedOneTimePreKey: nil), wire)
            }
        }
    }

    /// Parses and decrypts `bytes` from `address`, committing the new session state (and the
    /// deletion or recording of the prekeys it used) in the transaction that read them, before
    /// returning the plaintext: a one-time prekey opens at most one session.
    ///
    /// - Parameter trust: which identity key `address`'s sessions may have; by default the one
    ///   pinned by its record (trust on first use), so that a PreKeyMessage from another
    ///   identity cannot take the address over.
    /// - Throws: a ``ProtocolError`` (nothing changed; ``ProtocolError/untrustedIdentity`` for an
    ///   identity `trust` refuses) or the store's error.
    public func decrypt(
        _ bytes: [UInt8], from address: PeerAddress, trust: IdentityTrust = .pinnedByRecord
    ) async throws -> [UInt8] {
        let message = try WireMessage.parse(bytes)
        // Refused before any lookup, routing or cryptography (SessionCipher checks it again).
        guard versions.accepts(message.version) else { throw ProtocolError.unsupportedVersion(message.version.rawValue) }
        let (random, versions) = (self.random, self.versions)
        return try await lock.run {
            try await store.update { state in
                let record = try state.sessionRecord(for: address) ?? SessionRecord()
                var preKeys = PreKeyMaterial.none
                if let needed = SessionCipher.preKeysNeeded(for: message, record: record) {
                    preKeys.signedPreKey = try state.signedPreKey(for: needed.signedPreKey)?.keyPair
                    if let oneTime = needed.oneTimePreKey {
                        preKeys.oneTimePreKey = try state.oneTimePreKey(for: oneTime)?.keyPair
                    }
                    if let id = needed.pqPreKey, let held = try state.pqPreKey(for: id) {
                        preKeys.pqPreKey = held
                        if held.kind == .lastResort {
                            preKeys.isLastResortUseRecorded = try state.isLastResortUseRecorded(id, baseKey: needed.baseKey)
                        }
                    }
                }
                let result = try SessionCipher.decrypt(
                    message, record: record, identity: try state.identityKeyPair(), preKeys: preKeys, random: random,
                    trust: trust, versions: versions)
                return (SessionChange(address: address, result: result), result.plaintext)
            }
        }
    }
}

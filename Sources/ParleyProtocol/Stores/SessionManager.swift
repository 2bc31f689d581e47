import ParleyCrypto

/// The store-backed API: start sessions, encrypt and decrypt for peer addresses, committing
/// each state change atomically through ``ProtocolStore/commit(_:)``.
///
/// Operations run one at a time (a FIFO lock across the store's suspension points), so two
/// messages for the same peer can never both start from the same session state. Use one
/// manager per store.
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
        try await lock.run {
            let identity = try await store.identityKeyPair()
            let session = try SessionCipher.initiate(identity: identity, bundle: bundle, random: random)
            var record = try await store.sessionRecord(for: address) ?? SessionRecord()
            record.makeCurrent(session)
            try await store.commit(SessionChange(address: address, record: record, consumedOneTimePreKey: nil))
        }
    }

    /// Starts a Parley-v2 session with `address` from its bundle (PQXDH); it becomes the current
    /// session (an earlier one is archived).
    ///
    /// - Throws: ``ProtocolError/badSignature`` / ``ProtocolError/invalidKey`` (nothing stored),
    ///   or the store's error.
    public func startSession(with address: PeerAddress, bundle: PQXDHBundle) async throws {
        try await lock.run {
            let identity = try await store.identityKeyPair()
            let session = try SessionCipher.initiate(
                identity: identity, bundle: bundle, random: random, encapsulator: encapsulator)
            var record = try await store.sessionRecord(for: address) ?? SessionRecord()
            record.makeCurrent(session)
            try await store.commit(SessionChange(address: address, record: record, consumedOneTimePreKey: nil))
        }
    }

    /// Encrypts `plaintext` for `address` and commits the advanced sending state before
    /// returning the wire bytes, so a message key is never used twice.
    ///
    /// - Throws: ``ProtocolError/noSession`` without a session, or the store's error.
    public func encrypt(_ plaintext: [UInt8], for address: PeerAddress) async throws -> [UInt8] {
        try await lock.run {
            let identity = try await store.identityKeyPair()
            var record = try await store.sessionRecord(for: address) ?? SessionRecord()
            let wire = try SessionCipher.encrypt(plaintext, record: &record, identity: identity, random: random)
            try await store.commit(SessionChange(address: address, record: record, consumedOneTimePreKey: nil))
            return wire
        }
    }

    /// Parses and decrypts `bytes` from `address`, committing the new session state (and the
    /// deletion of a used one-time prekey) before returning the plaintext.
    ///
    /// - Parameter trust: which identity key `address`'s sessions may have; by default the one
    ///   pinned by its record (trust on first use), so that a PreKeyMessage from another
    ///   identity cannot take the address over.
    /// - Throws: a ``ProtocolError`` (nothing changed; ``ProtocolError/untrustedIdentity`` for an
    ///   identity `trust` refuses) or the store's error.
    public func decrypt(
        _ bytes: [UInt8], from address: PeerAddress, trust: IdentityTrust = .pinnedByRecord
    ) async throws -> [UInt8] {
        try await lock.run {
            let message = try WireMessage.parse(bytes)
            // Refused before any lookup, routing or cryptography (SessionCipher checks it again).
            guard versions.accepts(message.version) else { throw ProtocolError.unsupportedVersion(message.version.rawValue) }
            let identity = try await store.identityKeyPair()
            let record = try await store.sessionRecord(for: address) ?? SessionRecord()
            var preKeys = PreKeyMaterial.none
            if let needed = SessionCipher.preKeysNeeded(for: message, record: record) {
                preKeys.signedPreKey = try await store.signedPreKey(for: needed.signedPreKey)?.keyPair
                if let oneTime = needed.oneTimePreKey {
                    preKeys.oneTimePreKey = try await store.oneTimePreKey(for: oneTime)?.keyPair
                }
                if let id = needed.pqPreKey, let held = try await store.pqPreKey(for: id) {
                    preKeys.pqPreKey = held
                    if held.kind == .lastResort {
                        preKeys.isLastResortUseRecorded = try await store.isLastResortUseRecorded(id, baseKey: needed.baseKey)
                    }
                }
            }
            let result = try SessionCipher.decrypt(
                message, record: record, identity: identity, preKeys: preKeys, random: random, trust: trust,
                versions: versions)
            try await store.commit(SessionChange(address: address, result: result))
            return result.plaintext
        }
    }
}

import ParleyCrypto

/// The reference ``ProtocolStore``: everything in memory, for tests and examples.
public actor InMemoryProtocolStore: ProtocolStore {
    private let identity: IdentityKeyPair
    private var signedPreKeys: [X25519.PublicKey: SignedPreKey] = [:]
    private var oneTimePreKeys: [X25519.PublicKey: OneTimePreKey] = [:]
    private var sessions: [PeerAddress: SessionRecord] = [:]

    /// A store for the device with `identity`.
    public init(identity: IdentityKeyPair) {
        self.identity = identity
    }

    public func identityKeyPair() -> IdentityKeyPair { identity }

    public func signedPreKey(for publicKey: X25519.PublicKey) -> SignedPreKey? { signedPreKeys[publicKey] }

    public func saveSignedPreKey(_ preKey: SignedPreKey) { signedPreKeys[preKey.keyPair.publicKey] = preKey }

    public func oneTimePreKey(for publicKey: X25519.PublicKey) -> OneTimePreKey? { oneTimePreKeys[publicKey] }

    public func saveOneTimePreKeys(_ preKeys: [OneTimePreKey]) {
        for preKey in preKeys { oneTimePreKeys[preKey.keyPair.publicKey] = preKey }
    }

    /// Public keys of the one-time prekeys still held.
    public func oneTimePreKeyPublicKeys() -> Set<X25519.PublicKey> { Set(oneTimePreKeys.keys) }

    public func sessionRecord(for address: PeerAddress) -> SessionRecord? { sessions[address] }

    /// Runs `body` and applies its change without a suspension point in between: the actor is
    /// the transaction.
    public func update<Result: Sendable>(
        _ body: @escaping @Sendable (any ProtocolStoreTransaction) throws -> (change: SessionChange?, result: Result)
    ) throws -> Result {
        let (change, result) = try body(
            Snapshot(identity: identity, signedPreKeys: signedPreKeys, oneTimePreKeys: oneTimePreKeys, sessions: sessions))
        if let change {
            sessions[change.address] = change.record
            if let used = change.consumedOneTimePreKey { oneTimePreKeys[used] = nil }
        }
        return result
    }

    /// The store's dictionaries as they were when the update began (copy-on-write: nothing is copied).
    private struct Snapshot: ProtocolStoreTransaction {
        let identity: IdentityKeyPair
        let signedPreKeys: [X25519.PublicKey: SignedPreKey]
        let oneTimePreKeys: [X25519.PublicKey: OneTimePreKey]
        let sessions: [PeerAddress: SessionRecord]

        func identityKeyPair() -> IdentityKeyPair { identity }
        func sessionRecord(for address: PeerAddress) -> SessionRecord? { sessions[address] }
        func signedPreKey(for publicKey: X25519.PublicKey) -> SignedPreKey? { signedPreKeys[publicKey] }
        func oneTimePreKey(for publicKey: X25519.PublicKey) -> OneTimePreKey? { oneTimePreKeys[publicKey] }
    }
}

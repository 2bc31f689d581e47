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

    public func commit(_ change: SessionChange) {
        sessions[change.address] = change.record
        if let used = change.consumedOneTimePreKey { oneTimePreKeys[used] = nil }
    }
}

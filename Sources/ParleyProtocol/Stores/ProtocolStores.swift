import ParleyCrypto

/// Holds this device's identity key pair.
public protocol IdentityKeyStore: Sendable {
    /// This device's identity.
    func identityKeyPair() async throws -> IdentityKeyPair
}

/// Holds this device's signed prekeys (the current one and recent ones, for late first messages).
public protocol SignedPreKeyStore: Sendable {
    /// The signed prekey with this public key, or nil if it is not (or no longer) held.
    func signedPreKey(for publicKey: X25519.PublicKey) async throws -> SignedPreKey?
    /// Adds or replaces a signed prekey.
    func saveSignedPreKey(_ preKey: SignedPreKey) async throws
}

/// Holds this device's unused one-time prekeys. Deletion happens only through
/// ``ProtocolStore/commit(_:)``, together with the session that used the key.
public protocol OneTimePreKeyStore: Sendable {
    /// The one-time prekey with this public key, or nil if it is not (or no longer) held.
    func oneTimePreKey(for publicKey: X25519.PublicKey) async throws -> OneTimePreKey?
    /// Adds one-time prekeys.
    func saveOneTimePreKeys(_ preKeys: [OneTimePreKey]) async throws
}

/// Holds one ``SessionRecord`` per peer device.
public protocol SessionStore: Sendable {
    /// The record for `address`, or nil when there has never been a session.
    func sessionRecord(for address: PeerAddress) async throws -> SessionRecord?
}

/// What one encrypt or decrypt changes; a store applies all of it or nothing.
public struct SessionChange: Sendable {
    /// The peer whose record changes.
    public let address: PeerAddress
    /// The record to store.
    public let record: SessionRecord
    /// A one-time prekey to delete in the same transaction (the first message of a new
    /// session made with it has just decrypted).
    public let consumedOneTimePreKey: X25519.PublicKey?

    public init(address: PeerAddress, record: SessionRecord, consumedOneTimePreKey: X25519.PublicKey?) {
        self.address = address
        self.record = record
        self.consumedOneTimePreKey = consumedOneTimePreKey
    }
}

/// Everything a ``SessionManager`` needs, with one atomic commit. A persistent store commits
/// the change in the same transaction as its own effects (message row, processed envelope id).
public protocol ProtocolStore: IdentityKeyStore, SignedPreKeyStore, OneTimePreKeyStore, SessionStore {
    /// Stores `change.record` and deletes `change.consumedOneTimePreKey`, atomically.
    func commit(_ change: SessionChange) async throws
}

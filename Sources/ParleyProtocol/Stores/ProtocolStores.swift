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

/// Holds this device's PQ prekeys (Parley-v2) and the (PQID_B, EK_A) pairs its last-resort PQ
/// prekeys were used with. Deleting a one-time PQ prekey and recording a last-resort use happen
/// only through ``ProtocolStore/commit(_:)``, together with the session that used the key.
public protocol PQPreKeyStore: Sendable {
    /// The PQ prekey with this PQID, or nil if it is not (or no longer) held.
    func pqPreKey(for id: PQPreKeyID) async throws -> PQPreKey?
    /// Adds PQ prekeys (one-time or last resort).
    func savePQPreKeys(_ preKeys: [PQPreKey]) async throws
    /// Whether the last-resort PQ prekey `id` was already used with `baseKey` (EK_A) by a
    /// committed session. Records live until that prekey is deleted.
    func isLastResortUseRecorded(_ id: PQPreKeyID, baseKey: X25519.PublicKey) async throws -> Bool
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
    /// A one-time PQ prekey to delete, or a last-resort (PQID_B, EK_A) pair to record, in the
    /// same transaction (Parley-v2 rule 2 step 9).
    public let consumedPQPreKey: PQPreKeyUse?

    /// - Parameters:
    ///   - address: the peer whose record changes.
    ///   - record: the record to store.
    ///   - consumedOneTimePreKey: the one-time prekey to delete, if any.
    ///   - consumedPQPreKey: the PQ prekey use to commit, if any.
    public init(
        address: PeerAddress, record: SessionRecord, consumedOneTimePreKey: X25519.PublicKey?,
        consumedPQPreKey: PQPreKeyUse? = nil
    ) {
        self.address = address
        self.record = record
        self.consumedOneTimePreKey = consumedOneTimePreKey
        self.consumedPQPreKey = consumedPQPreKey
    }

    /// The change a successful decrypt asks for.
    public init(address: PeerAddress, result: DecryptResult) {
        self.init(
            address: address, record: result.record, consumedOneTimePreKey: result.consumedOneTimePreKey,
            consumedPQPreKey: result.consumedPQPreKey)
    }
}

/// The protocol state as one store transaction sees it: what ``SessionCipher`` reads to encrypt
/// or decrypt, read synchronously inside the transaction that will also commit the result.
public protocol ProtocolStoreTransaction {
    /// This device's identity.
    func identityKeyPair() throws -> IdentityKeyPair
    /// The record for `address`, or nil when there has never been a session.
    func sessionRecord(for address: PeerAddress) throws -> SessionRecord?
    /// The signed prekey with this public key, or nil if it is not (or no longer) held.
    func signedPreKey(for publicKey: X25519.PublicKey) throws -> SignedPreKey?
    /// The one-time prekey with this public key, or nil if it is not (or no longer) held.
    func oneTimePreKey(for publicKey: X25519.PublicKey) throws -> OneTimePreKey?
    /// The PQ prekey with this PQID, or nil if it is not (or no longer) held.
    func pqPreKey(for id: PQPreKeyID) throws -> PQPreKey?
    /// Whether the last-resort PQ prekey `id` was already used with `baseKey` (EK_A).
    func isLastResortUseRecorded(_ id: PQPreKeyID, baseKey: X25519.PublicKey) throws -> Bool
}

/// Everything a ``SessionManager`` needs. Every state change is a read-modify-write inside one
/// transaction (``update(_:)``), so that two managers, two processes, or a manager beside the
/// store's own messaging API never start from the same state: a message key is never used twice
/// and a one-time prekey (classical or PQ) never opens two sessions.
public protocol ProtocolStore: IdentityKeyStore, SignedPreKeyStore, OneTimePreKeyStore, PQPreKeyStore, SessionStore {
    /// Runs `body` on the state inside one transaction that excludes every other writer of the
    /// store (in other processes too, for a persistent store), then applies the
    /// ``SessionChange`` it returns in the same transaction: the record stored, the one-time
    /// prekey deleted, a one-time PQ prekey deleted or a last-resort use recorded. If `body`
    /// throws, nothing changes.
    /// - Returns: the second value `body` returned.
    func update<Result: Sendable>(
        _ body: @escaping @Sendable (any ProtocolStoreTransaction) throws -> (change: SessionChange?, result: Result)
    ) async throws -> Result
}

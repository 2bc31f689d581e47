import ParleyCrypto

/// The reference ``ProtocolStore``: everything in memory, for tests and examples.
public actor InMemoryProtocolStore: ProtocolStore {
    private let identity: IdentityKeyPair
    private var signedPreKeys: [X25519.PublicKey: SignedPreKey] = [:]
    private var oneTimePreKeys: [X25519.PublicKey: OneTimePreKey] = [:]
    private var pqPreKeys: [PQPreKeyID: PQPreKey] = [:]
    private var lastResortUses: Set<LastResortUse> = []
    private var sessions: [PeerAddress: SessionRecord] = [:]

    private struct LastResortUse: Hashable {
        let id: PQPreKeyID
        let baseKey: X25519.PublicKey
    }

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

    public func pqPreKey(for id: PQPreKeyID) -> PQPreKey? { pqPreKeys[id] }

    public func savePQPreKeys(_ preKeys: [PQPreKey]) {
        for preKey in preKeys { pqPreKeys[preKey.id] = preKey }
    }

    public func isLastResortUseRecorded(_ id: PQPreKeyID, baseKey: X25519.PublicKey) -> Bool {
        lastResortUses.contains(LastResortUse(id: id, baseKey: baseKey))
    }

    /// PQIDs of the PQ prekeys still held.
    public func pqPreKeyIDs() -> Set<PQPreKeyID> { Set(pqPreKeys.keys) }

    /// How many (last-resort PQID, EK_A) pairs are recorded.
    public func lastResortUseCount() -> Int { lastResortUses.count }

    /// Deletes a PQ prekey (a rotated last-resort one after its grace period) and, with it, the
    /// uses recorded for it: they can no longer match, since the key is gone.
    public func removePQPreKey(_ id: PQPreKeyID) {
        pqPreKeys[id] = nil
        lastResortUses = lastResortUses.filter { $0.id != id }
    }

    public func sessionRecord(for address: PeerAddress) -> SessionRecord? { sessions[address] }

    /// Runs `body` and applies its change without a suspension point in between: the actor is
    /// the transaction.
    public func update<Result: Sendable>(
        _ body: @escaping @Sendable (any ProtocolStoreTransaction) throws -> (change: SessionChange?, result: Result)
    ) throws -> Result {
        let (change, result) = try body(
            Snapshot(
                identity: identity, signedPreKeys: signedPreKeys, oneTimePreKeys: oneTimePreKeys, pqPreKeys: pqPreKeys,
                lastResortUses: lastResortUses, sessions: sessions))
        if let change {
            sessions[change.address] = change.record
            if let used = change.consumedOneTimePreKey { oneTimePreKeys[used] = nil }
            switch change.consumedPQPreKey {
            case .oneTime(let id): pqPreKeys[id] = nil
            case .lastResort(let id, let baseKey): lastResortUses.insert(LastResortUse(id: id, baseKey: baseKey))
            case nil: break
            }
        }
        return result
    }

    /// The store's contents as they were when the update began (copy-on-write: nothing is copied).
    private struct Snapshot: ProtocolStoreTransaction {
        let identity: IdentityKeyPair
        let signedPreKeys: [X25519.PublicKey: SignedPreKey]
        let oneTimePreKeys: [X25519.PublicKey: OneTimePreKey]
        let pqPreKeys: [PQPreKeyID: PQPreKey]
        let lastResortUses: Set<LastResortUse>
        let sessions: [PeerAddress: SessionRecord]

        func identityKeyPair() -> IdentityKeyPair { identity }
        func sessionRecord(for address: PeerAddress) -> SessionRecord? { sessions[address] }
        func signedPreKey(for publicKey: X25519.PublicKey) -> SignedPreKey? { signedPreKeys[publicKey] }
        func oneTimePreKey(for publicKey: X25519.PublicKey) -> OneTimePreKey? { oneTimePreKeys[publicKey] }
        func pqPreKey(for id: PQPreKeyID) -> PQPreKey? { pqPreKeys[id] }
        func isLastResortUseRecorded(_ id: PQPreKeyID, baseKey: X25519.PublicKey) -> Bool {
            lastResortUses.contains(LastResortUse(id: id, baseKey: baseKey))
        }
    }
}

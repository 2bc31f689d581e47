import ParleyCrypto
import ParleyProtocol
import ParleyVectors
import Synchronization

/// One device for the Parley-v2 tests: a store, a manager, and helpers to publish prekeys.
struct PQDevice {
    let identity: IdentityKeyPair
    let store: InMemoryProtocolStore
    let manager: SessionManager
    let address: PeerAddress
    let encapsulator: CountingEncapsulator

    init(_ name: String, random: SeededRandomSource, versions: VersionPolicy = .v2Only) {
        identity = IdentityKeyPair(random: random)
        store = InMemoryProtocolStore(identity: identity)
        encapsulator = CountingEncapsulator()
        manager = SessionManager(store: store, random: random, encapsulator: encapsulator, versions: versions)
        address = PeerAddress(user: name, device: 1)
    }

    /// Saves a signed prekey (v2 signature), optionally a one-time prekey, and one PQ prekey of
    /// `kind`, and returns the bundle that names them.
    func publishBundle(random: SeededRandomSource, withOneTimePreKey: Bool = true, kind: PQPreKeyKind = .oneTime) async
        -> PQXDHBundle
    {
        let signed = SignedPreKey(identity: identity, version: .v2, random: random)
        await store.saveSignedPreKey(signed)
        var oneTimeKey: X25519.PublicKey?
        if withOneTimePreKey {
            let oneTime = OneTimePreKey(random: random)
            await store.saveOneTimePreKeys([oneTime])
            oneTimeKey = oneTime.keyPair.publicKey
        }
        let pq = PQPreKey(kind: kind, identity: identity, random: random)
        await store.savePQPreKeys([pq])
        return PQXDHBundle(
            identityKey: identity.publicKey, signedPreKey: signed.keyPair.publicKey, signedPreKeySignature: signed.signature,
            oneTimePreKey: oneTimeKey, pqPreKey: pq.keyPair.publicKey, pqPreKeySignature: pq.signature)
    }

    /// Everything a failed decrypt must leave as it was.
    func snapshot(peer: PeerAddress) async -> StoreSnapshot {
        StoreSnapshot(
            record: await store.sessionRecord(for: peer)?.serialized,
            oneTimePreKeys: await store.oneTimePreKeyPublicKeys(),
            pqPreKeys: await store.pqPreKeyIDs(),
            lastResortUses: await store.lastResortUseCount())
    }
}

/// The state of a store that a failed decrypt must not change.
struct StoreSnapshot: Equatable {
    let record: SecureBytes?
    let oneTimePreKeys: Set<X25519.PublicKey>
    let pqPreKeys: Set<PQPreKeyID>
    let lastResortUses: Int
}

/// Real encapsulation that counts its calls, to check that Alice encapsulates only after both
/// signatures verified.
final class CountingEncapsulator: KEMEncapsulator {
    private let calls = Mutex(0)

    var count: Int { calls.withLock { $0 } }

    func encapsulate(to publicKey: MLKEM.PublicKey) throws(CryptoError) -> MLKEM.Encapsulation {
        calls.withLock { $0 += 1 }
        return try SystemKEMEncapsulator().encapsulate(to: publicKey)
    }
}

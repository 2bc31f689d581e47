import Foundation
import ParleyCrypto
import ParleyProtocol
import ParleyStore

/// Keeping this device reachable: one-time prekeys and one-time PQ prekeys stocked, the signed
/// prekey and the last-resort PQ prekey rotated together.
extension ParleyClient {
    static let signedPreKeyState = "client.signed_prekeys"

    /// The current signed prekey and last-resort PQ prekey, the retired ones still kept, with
    /// their times. Older stores have no PQ fields (decoded as nil: the next maintenance rotates).
    struct SignedPreKeyState: Codable {
        /// Hex of the current signed prekey's public key.
        var current: String?
        var createdAt: Int64
        var retired: [Retired]
        /// Hex of the current last-resort PQ prekey's id (PQID).
        var pqLastResort: String?
        /// True from the commit of a rotation until both new keys are on the server.
        var uploadPending: Bool?

        struct Retired: Codable {
            var key: String
            var retiredAt: Int64
            /// Hex of the last-resort PQ prekey retired with this signed prekey.
            var pqLastResort: String?
        }
    }

    /// What one ``maintainPreKeys()`` uploaded.
    public struct PreKeyUpload: Sendable, Equatable {
        /// One-time (X25519) prekeys uploaded.
        public var oneTime: Int
        /// One-time PQ (ML-KEM-1024) prekeys uploaded.
        public var pqOneTime: Int
    }

    /// Refills one-time prekeys and one-time PQ prekeys below ``PreKeyPolicy/refillBelow`` up to
    /// ``PreKeyPolicy/stock``, rotates the signed prekey and the last-resort PQ prekey together
    /// after ``PreKeyPolicy/signedPreKeyLifetimeMilliseconds`` and deletes retired ones after
    /// ``PreKeyPolicy/retiredSignedPreKeyGraceMilliseconds``. Every new private key is sealed in
    /// the store before its public key is uploaded. Runs on every ``sync()``.
    /// - Returns: how many one-time prekeys of each kind were uploaded.
    @discardableResult
    public func maintainPreKeys() async throws -> PreKeyUpload {
        try await rotateSignedPreKeysIfDue()
        let held = try await server.preKeyStatus()
        var upload = PreKeyUpload(oneTime: 0, pqOneTime: 0)
        if held.oneTime < PreKeyPolicy.refillBelow {
            let fresh = (0..<(PreKeyPolicy.stock - held.oneTime)).map { _ in OneTimePreKey(random: random) }
            // Stored before they are offered: a first message may use one as soon as it is uploaded.
            try await store.saveOneTimePreKeys(fresh)
            for start in stride(from: 0, to: fresh.count, by: PreKeyPolicy.uploadBatch) {
                let batch = fresh[start..<min(start + PreKeyPolicy.uploadBatch, fresh.count)]
                try await server.uploadOneTimePreKeys(batch.map { $0.keyPair.publicKey.rawRepresentation })
            }
            upload.oneTime = fresh.count
        }
        if held.pqOneTime < PreKeyPolicy.refillBelow {
            upload.pqOneTime = try await refillPQOneTimePreKeys(count: PreKeyPolicy.stock - held.pqOneTime)
        }
        return upload
    }

    /// Makes `count` one-time PQ prekeys, seals them in the store, then uploads them in batches.
    private func refillPQOneTimePreKeys(count: Int) async throws -> Int {
        let fresh = (0..<count).map { _ in PQPreKey(kind: .oneTime, identity: identity, random: random) }
        try await store.savePQPreKeys(fresh)
        for start in stride(from: 0, to: fresh.count, by: PreKeyPolicy.uploadBatch) {
            try await server.uploadPQOneTimePreKeys(Array(fresh[start..<min(start + PreKeyPolicy.uploadBatch, fresh.count)]))
        }
        return fresh.count
    }

    /// Rotates the signed prekey and the last-resort PQ prekey when due or when either is missing
    /// (a store from before Parley-v2 has no last-resort PQ prekey and a v1-signed prekey: both
    /// are replaced on its first maintenance), committing
    /// the new keys and the new state in one store transaction before uploading them; an upload
    /// that failed is retried on the next call. Retired keys past the grace period are deleted,
    /// again in one transaction with the state.
    private func rotateSignedPreKeysIfDue() async throws {
        var state = try await loadSignedPreKeyState()
        let time = now()
        if state.current == nil || state.pqLastResort == nil
            || time - state.createdAt >= PreKeyPolicy.signedPreKeyLifetimeMilliseconds
        {
            let signedPreKey = SignedPreKey(identity: identity, version: .v2, random: random)
            let lastResort = PQPreKey(kind: .lastResort, identity: identity, random: random)
            if let previous = state.current {
                state.retired.append(.init(key: previous, retiredAt: time, pqLastResort: state.pqLastResort))
            }
            state.current = Hex.encode(signedPreKey.keyPair.publicKey.rawRepresentation)
            state.pqLastResort = Hex.encode(lastResort.id.rawRepresentation)
            state.createdAt = time
            state.uploadPending = true
            try await store.commit(
                EncryptedStore.PreKeyRotation(
                    newSignedPreKey: signedPreKey, newPQPreKeys: [lastResort], setting: try Self.setting(state)))
        }
        if state.uploadPending == true {
            try await uploadCurrentKeys(of: state)
            state.uploadPending = false
            try await store.setSetting(Self.signedPreKeyState, to: try Self.setting(state).value)
        }
        try await deleteExpiredRetiredKeys(state, at: time)
    }

    /// Uploads the current signed prekey and last-resort PQ prekey (`PUT` replaces each).
    private func uploadCurrentKeys(of state: SignedPreKeyState) async throws {
        guard let signedHex = state.current, let signedBytes = Hex.decode(signedHex),
            let signedKey = try? X25519.PublicKey(rawRepresentation: signedBytes),
            let signedPreKey = try await store.signedPreKey(for: signedKey),
            let pqHex = state.pqLastResort, let pqBytes = Hex.decode(pqHex),
            let pqID = try? PQPreKeyID(rawRepresentation: pqBytes),
            let lastResort = try await store.pqPreKey(for: pqID)
        else { throw ClientError.storeFailure("the current prekeys are missing") }
        try await server.uploadSignedPreKey(key: signedKey.rawRepresentation, signature: signedPreKey.signature)
        try await server.uploadPQLastResortPreKey(lastResort)
    }

    /// Deletes retired signed and last-resort PQ prekeys older than the grace period, with the
    /// state that lists them, in one transaction.
    private func deleteExpiredRetiredKeys(_ state: SignedPreKeyState, at time: Int64) async throws {
        var state = state
        var kept: [SignedPreKeyState.Retired] = []
        var signed: [X25519.PublicKey] = []
        var pq: [PQPreKeyID] = []
        for retired in state.retired {
            guard time - retired.retiredAt >= PreKeyPolicy.retiredSignedPreKeyGraceMilliseconds else {
                kept.append(retired)
                continue
            }
            if let bytes = Hex.decode(retired.key), let key = try? X25519.PublicKey(rawRepresentation: bytes) {
                signed.append(key)
            }
            if let hex = retired.pqLastResort, let bytes = Hex.decode(hex), let id = try? PQPreKeyID(rawRepresentation: bytes) {
                pq.append(id)
            }
        }
        guard kept.count != state.retired.count else { return }
        state.retired = kept
        try await store.commit(
            EncryptedStore.PreKeyRotation(removedSignedPreKeys: signed, removedPQPreKeys: pq, setting: try Self.setting(state)))
    }

    /// The state as the sealed setting that records it.
    static func setting(_ state: SignedPreKeyState) throws -> (name: String, value: String) {
        (signedPreKeyState, String(decoding: try JSONEncoder().encode(state), as: UTF8.self))
    }

    /// Makes `preKey` this device's current signed prekey in the store, with a new last-resort
    /// PQ prekey, in one transaction, without uploading them (a linked device's first signed
    /// prekey, which the primary registers with the device): the first ``maintainPreKeys()``
    /// after the link uploads both.
    func adoptSignedPreKey(_ preKey: SignedPreKey) async throws {
        let lastResort = PQPreKey(kind: .lastResort, identity: identity, random: random)
        let state = SignedPreKeyState(
            current: Hex.encode(preKey.keyPair.publicKey.rawRepresentation), createdAt: now(), retired: [],
            pqLastResort: Hex.encode(lastResort.id.rawRepresentation), uploadPending: true)
        try await store.commit(
            EncryptedStore.PreKeyRotation(newSignedPreKey: preKey, newPQPreKeys: [lastResort], setting: try Self.setting(state)))
    }

    /// Forgets the signed and last-resort PQ prekeys this device published (a restored store
    /// holds none of their private keys): the next ``maintainPreKeys()`` makes new ones and
    /// uploads them, replacing the server's.
    func forgetSignedPreKeys() async throws {
        let state = SignedPreKeyState(current: nil, createdAt: 0, retired: [])
        try await store.setSetting(Self.signedPreKeyState, to: try Self.setting(state).value)
    }

    /// Uploads the current signed prekey again (`PUT` replaces it with itself): a linked device
    /// does so when its link completes, in case the primary registered the device without the
    /// prekey from the code (the registration's `signed_prekey` is optional).
    func reuploadCurrentSignedPreKey() async throws {
        guard let hex = try await loadSignedPreKeyState().current, let bytes = Hex.decode(hex),
            let publicKey = try? X25519.PublicKey(rawRepresentation: bytes),
            let preKey = try await store.signedPreKey(for: publicKey)
        else { throw ClientError.storeFailure("the current signed prekey is missing") }
        try await server.uploadSignedPreKey(key: publicKey.rawRepresentation, signature: preKey.signature)
    }

    func loadSignedPreKeyState() async throws -> SignedPreKeyState {
        guard let text = try await store.setting(Self.signedPreKeyState) else {
            return SignedPreKeyState(current: nil, createdAt: 0, retired: [])
        }
        do {
            return try JSONDecoder().decode(SignedPreKeyState.self, from: Data(text.utf8))
        } catch {
            throw ClientError.storeFailure("the signed prekey state is unreadable")
        }
    }
}

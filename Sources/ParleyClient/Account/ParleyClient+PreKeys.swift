import Foundation
import ParleyCrypto
import ParleyProtocol

/// Keeping this device reachable: one-time prekeys stocked, the signed prekey rotated.
extension ParleyClient {
    static let signedPreKeyState = "client.signed_prekeys"

    /// The current signed prekey and the retired ones still kept, with their times.
    struct SignedPreKeyState: Codable {
        var current: String?
        var createdAt: Int64
        var retired: [Retired]

        struct Retired: Codable {
            var key: String
            var retiredAt: Int64
        }
    }

    /// Refills one-time prekeys below ``PreKeyPolicy/refillBelow`` up to ``PreKeyPolicy/stock``,
    /// rotates the signed prekey after ``PreKeyPolicy/signedPreKeyLifetimeMilliseconds`` and
    /// deletes retired ones after ``PreKeyPolicy/retiredSignedPreKeyGraceMilliseconds``. Runs on
    /// every ``sync()``.
    /// - Returns: how many one-time prekeys were uploaded.
    @discardableResult
    public func maintainPreKeys() async throws -> Int {
        try await rotateSignedPreKeyIfDue()
        let held = try await server.oneTimePreKeyCount()
        guard held < PreKeyPolicy.refillBelow else { return 0 }
        let fresh = (0..<(PreKeyPolicy.stock - held)).map { _ in OneTimePreKey(random: random) }
        // Stored before they are offered: a first message may use one as soon as it is uploaded.
        try await store.saveOneTimePreKeys(fresh)
        for start in stride(from: 0, to: fresh.count, by: PreKeyPolicy.uploadBatch) {
            let batch = fresh[start..<min(start + PreKeyPolicy.uploadBatch, fresh.count)]
            try await server.uploadOneTimePreKeys(batch.map { $0.keyPair.publicKey.rawRepresentation })
        }
        return fresh.count
    }

    private func rotateSignedPreKeyIfDue() async throws {
        var state = try await loadSignedPreKeyState()
        let time = now()
        if state.current == nil || time - state.createdAt >= PreKeyPolicy.signedPreKeyLifetimeMilliseconds {
            let preKey = SignedPreKey(identity: identity, random: random)
            try await store.saveSignedPreKey(preKey)
            try await server.uploadSignedPreKey(key: preKey.keyPair.publicKey.rawRepresentation, signature: preKey.signature)
            if let previous = state.current { state.retired.append(.init(key: previous, retiredAt: time)) }
            state.current = Hex.encode(preKey.keyPair.publicKey.rawRepresentation)
            state.createdAt = time
        }
        var kept: [SignedPreKeyState.Retired] = []
        for retired in state.retired {
            if time - retired.retiredAt >= PreKeyPolicy.retiredSignedPreKeyGraceMilliseconds,
                let bytes = Hex.decode(retired.key), let key = try? X25519.PublicKey(rawRepresentation: bytes)
            {
                try await store.removeSignedPreKey(key)
            } else {
                kept.append(retired)
            }
        }
        state.retired = kept
        try await store.setSetting(Self.signedPreKeyState, to: String(decoding: try JSONEncoder().encode(state), as: UTF8.self))
    }

    /// Makes `preKey` this device's current signed prekey in the store without uploading it (a
    /// linked device's first one, which the primary uploads with the device).
    func adoptSignedPreKey(_ preKey: SignedPreKey) async throws {
        try await store.saveSignedPreKey(preKey)
        let state = SignedPreKeyState(
            current: Hex.encode(preKey.keyPair.publicKey.rawRepresentation), createdAt: now(), retired: [])
        try await store.setSetting(Self.signedPreKeyState, to: String(decoding: try JSONEncoder().encode(state), as: UTF8.self))
    }

    /// Forgets the signed prekeys this device published (a restored store holds none of their
    /// private keys): the next ``maintainPreKeys()`` makes a new one and uploads it, replacing the
    /// server's.
    func forgetSignedPreKeys() async throws {
        let state = SignedPreKeyState(current: nil, createdAt: 0, retired: [])
        try await store.setSetting(Self.signedPreKeyState, to: String(decoding: try JSONEncoder().encode(state), as: UTF8.self))
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

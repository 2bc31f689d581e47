import Foundation
import ParleyCrypto
import ParleyProtocol
import ParleyStore
import ParleyVectors

/// A temporary folder removed when the value goes away.
final class TemporaryDirectory: Sendable {
    let url: URL

    init() {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("parley-store-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    deinit { try? FileManager.default.removeItem(at: url) }
}

enum StoreFixtures {
    static let passphrase = SecureBytes(copying: Array("correct horse battery staple".utf8))
    static let limits = Argon2id.Limits.minimumForTesting

    /// A new store with a fresh identity.
    static func makeStore(_ directory: TemporaryDirectory, _ name: String, seed: UInt64) async throws -> EncryptedStore {
        let random = SeededRandomSource(seed: seed)
        return try await EncryptedStore.create(
            at: directory.path(name), passphrase: passphrase, identity: IdentityKeyPair(random: random), limits: limits,
            random: random)
    }

    /// Publishes a signed prekey and `count` one-time prekeys in `store`, returning a bundle
    /// that uses the first one-time prekey.
    static func publish(_ store: EncryptedStore, count: Int = 3, seed: UInt64) async throws -> PreKeyBundle {
        let random = SeededRandomSource(seed: seed)
        let identity = try await store.identityKeyPair()
        let signed = SignedPreKey(identity: identity, random: random)
        let oneTime = (0..<count).map { _ in OneTimePreKey(random: random) }
        try await store.saveSignedPreKey(signed)
        try await store.saveOneTimePreKeys(oneTime)
        return PreKeyBundle(
            identityKey: identity.publicKey, signedPreKey: signed.keyPair.publicKey, signedPreKeySignature: signed.signature,
            oneTimePreKey: oneTime.first?.keyPair.publicKey)
    }

    static let alice = PeerAddress(user: "alice", device: 1)
    static let bob = PeerAddress(user: "bob", device: 1)
}

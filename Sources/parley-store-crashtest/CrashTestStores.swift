import Foundation
import ParleyCrypto
import ParleyProtocol
import ParleyStore
import ParleyVectors

/// Alice's and Bob's stores in the crash-test folder.
///
/// Setting up is not one transaction (two databases, a published bundle, a started session),
/// so it happens in `stores.partial/` and that folder is renamed to `stores/` once complete:
/// rename(2) is atomic, so `stores/` either does not exist or holds a finished setup. A run
/// that finds no `stores/` throws away any `stores.partial/` a killed setup left and starts
/// again from scratch, with the same seeded identities.
struct CrashTestStores {
    static let passphraseText = "crash test passphrase"
    static let folderName = "stores"
    static let alice = PeerAddress(user: "alice", device: 1)
    static let bob = PeerAddress(user: "bob", device: 1)

    let alice: EncryptedStore
    let bob: EncryptedStore

    static var passphrase: SecureBytes { SecureBytes(copying: Array(passphraseText.utf8)) }

    /// Opens the stores in `directory`, setting them up first if no complete setup is there.
    ///
    /// The identities and prekeys come from `seed`; the stores themselves use the system random
    /// source (a seeded source restarting on every run would repeat ratchet keys and nonces).
    static func openOrCreate(in directory: URL, seed: UInt64, stop: CrashTestStopPoint) async throws -> CrashTestStores {
        let final = directory.appendingPathComponent(folderName)
        let fileManager = FileManager.default
        if !fileManager.fileExists(atPath: final.path) {
            let partial = directory.appendingPathComponent(folderName + ".partial")
            if fileManager.fileExists(atPath: partial.path) { try fileManager.removeItem(at: partial) }
            try fileManager.createDirectory(at: partial, withIntermediateDirectories: false)
            stop.reached(.setupBegun)
            try await setUp(in: partial, seed: seed, stop: stop)
            stop.reached(.sessionStarted)
            try fileManager.moveItem(at: partial, to: final)
        }
        return CrashTestStores(
            alice: try await EncryptedStore.open(at: final.appendingPathComponent("alice.sqlite").path, passphrase: passphrase),
            bob: try await EncryptedStore.open(at: final.appendingPathComponent("bob.sqlite").path, passphrase: passphrase))
    }

    /// Two new stores; Bob publishes a signed prekey and one-time prekeys, Alice starts a
    /// session from his bundle. Both are closed again.
    private static func setUp(in folder: URL, seed: UInt64, stop: CrashTestStopPoint) async throws {
        let limits = Argon2id.Limits.minimumForTesting
        let alice = try await EncryptedStore.create(
            at: folder.appendingPathComponent("alice.sqlite").path, passphrase: passphrase,
            identity: IdentityKeyPair(random: SeededRandomSource(seed: seed)), limits: limits)
        stop.reached(.aliceCreated)
        let bob = try await EncryptedStore.create(
            at: folder.appendingPathComponent("bob.sqlite").path, passphrase: passphrase,
            identity: IdentityKeyPair(random: SeededRandomSource(seed: seed &+ 1)), limits: limits)
        stop.reached(.bobCreated)
        let preKeyRandom = SeededRandomSource(seed: seed &+ 2)
        let bobIdentity = try await bob.identityKeyPair()
        let signed = SignedPreKey(identity: bobIdentity, random: preKeyRandom)
        let oneTime = (0..<3).map { _ in OneTimePreKey(random: preKeyRandom) }
        try await bob.saveSignedPreKey(signed)
        try await bob.saveOneTimePreKeys(oneTime)
        stop.reached(.preKeysSaved)
        let bundle = PreKeyBundle(
            identityKey: bobIdentity.publicKey, signedPreKey: signed.keyPair.publicKey, signedPreKeySignature: signed.signature,
            oneTimePreKey: oneTime.first?.keyPair.publicKey)
        try await alice.startSession(with: Self.bob, bundle: bundle)
        try alice.close()
        try bob.close()
    }
}

import Foundation
import ParleyCrypto
import ParleyProtocol
import ParleyStore
import Testing

/// Store and backup files are the owner's alone (mode 0600), whatever the umask: the sizes and
/// times of a world-readable store say how much someone talks, and a copy can be attacked
/// offline with passphrase guesses.
struct StoreFilePermissionTests {
    static func mode(_ path: String) throws -> Int {
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        return try #require((attributes[.posixPermissions] as? NSNumber)?.intValue) & 0o777
    }

    @Test func theStoreItsWALAndABackupAreOwnerOnly() async throws {
        let directory = TemporaryDirectory()
        let store = try await StoreFixtures.makeStore(directory, "store.sqlite", seed: 70)
        try await store.setSetting("theme", to: "dark")
        #expect(try Self.mode(store.path) == 0o600)
        for companion in ["-wal", "-shm"] where FileManager.default.fileExists(atPath: store.path + companion) {
            #expect(try Self.mode(store.path + companion) == 0o600, "\(companion)")
        }
        let backup = directory.path("backup.parley")
        try await store.exportBackup(to: backup, passphrase: StoreFixtures.passphrase, limits: StoreFixtures.limits)
        #expect(try Self.mode(backup) == 0o600)
        try store.close()
    }

    /// A store file left readable by others (an older version made them 0644) is made owner-only
    /// when it is opened.
    @Test func openingTakesAwayPermissionsBeyondTheOwners() async throws {
        let directory = TemporaryDirectory()
        let store = try await StoreFixtures.makeStore(directory, "store.sqlite", seed: 71)
        let path = store.path
        try store.close()
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: path)
        let reopened = try await EncryptedStore.open(at: path, passphrase: StoreFixtures.passphrase)
        #expect(try Self.mode(path) == 0o600)
        try reopened.close()
    }
}

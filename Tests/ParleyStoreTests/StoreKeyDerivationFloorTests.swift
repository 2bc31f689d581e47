import Foundation
import GRDB
import ParleyCrypto
import ParleyProtocol
import Testing

@testable import ParleyStore

/// Issue 12 item 9: no new passphrase-derived key below Argon2id's interactive limits (except
/// the testing limits by name), and a header whose format is not a real one is refused.
@Suite struct StoreKeyDerivationFloorTests {
    /// The testing limits' numbers, made by the public initializer: what a careless caller writes.
    static let weakLimits = [
        Argon2id.Limits(operations: 1, memoryBytes: 8 << 10), Argon2id.Limits(operations: 2, memoryBytes: 8 << 10),
        Argon2id.Limits(operations: 1, memoryBytes: 64 << 20),
    ]

    @Test func newKeysNeedTheFloor() async throws {
        let directory = TemporaryDirectory()
        for (index, limits) in Self.weakLimits.enumerated() {
            await #expect(throws: StoreError.invalidPassphraseSettings) {
                try await EncryptedStore.create(
                    at: directory.path("weak-\(index).sqlite"), passphrase: StoreFixtures.passphrase,
                    identity: IdentityKeyPair(random: SystemRandomSource()), limits: limits)
            }
            #expect(!FileManager.default.fileExists(atPath: directory.path("weak-\(index).sqlite")))
        }
        let store = try await StoreFixtures.makeStore(directory, "a.sqlite", seed: 41)
        let newPassphrase = SecureBytes(copying: Array("new".utf8))
        for limits in Self.weakLimits {
            await #expect(throws: StoreError.invalidPassphraseSettings) {
                try await store.changePassphrase(from: StoreFixtures.passphrase, to: newPassphrase, limits: limits)
            }
            await #expect(throws: StoreError.invalidPassphraseSettings) {
                try await store.exportBackup(to: directory.path("backup-weak"), passphrase: newPassphrase, limits: limits)
            }
        }
        #expect(!FileManager.default.fileExists(atPath: directory.path("backup-weak")))
        // Nothing changed: the old passphrase still opens the store.
        try store.close()
        let reopened = try await EncryptedStore.open(at: directory.path("a.sqlite"), passphrase: StoreFixtures.passphrase)
        // Changing the passphrase without limits raises the testing limits to the floor.
        try await reopened.changePassphrase(from: StoreFixtures.passphrase, to: newPassphrase)
        #expect(try await reopened.passphraseLimits() == Argon2id.Limits.floor)
        try reopened.close()
    }

    @Test(arguments: [0, -1, Int64.min])
    func aHeaderFormatBelowOneIsRefused(format: Int64) async throws {
        let directory = TemporaryDirectory()
        let store = try await StoreFixtures.makeStore(directory, "a.sqlite", seed: 42)
        try store.close()
        let queue = try DatabaseQueue(path: directory.path("a.sqlite"))
        try await queue.write { db in try db.execute(sql: "UPDATE store_header SET format = ?", arguments: [format]) }
        try queue.close()
        await #expect(throws: StoreError.integrity(table: "store_header")) {
            try await EncryptedStore.open(at: directory.path("a.sqlite"), passphrase: StoreFixtures.passphrase)
        }
    }
}

import Foundation
import GRDB
import ParleyCrypto
import ParleyProtocol
import Testing

@testable import ParleyStore

/// Secrets have their own table: no setting name reaches a secret's row, backups carry them by
/// name, and a schema version 1 store's secrets move there on open (Specs/store.md §9.4).
struct StoreSecretTests {
    static let legacyFixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
        "Fixtures/store-v1-secret.sqlite")
    private static let fixturePassphrase = SecureBytes(copying: Array("fixture passphrase".utf8))
    private static let backupPassphrase = SecureBytes(copying: Array("backup passphrase".utf8))

    @Test func aSettingNamedLikeTheVersion1SecretRowIsNotTheSecret() async throws {
        let directory = TemporaryDirectory()
        let store = try await StoreFixtures.makeStore(directory, "store.sqlite", seed: 90)
        try await store.setSecret("x", to: SecureBytes(copying: [1, 2, 3]))
        try await store.setSetting("secret\u{0}x", to: "a setting")
        #expect(try await store.secret("x") == SecureBytes(copying: [1, 2, 3]))
        #expect(try await store.setting("secret\u{0}x") == "a setting")
        // The other way round too, and neither shows up as the other kind.
        try await store.setSetting("secret\u{0}y", to: "first")
        try await store.setSecret("y", to: SecureBytes(copying: [4]))
        #expect(try await store.setting("secret\u{0}y") == "first")
        #expect(try await store.secret("y") == SecureBytes(copying: [4]))
        #expect(try await store.allSettings().count == 2)
        #expect(try await store.allSecrets().map(\.name).sorted() == ["x", "y"])
        #expect(try await store.secret("secret\u{0}x") == nil)
        try store.close()
    }

    @Test func secretsSurviveABackupAndRestore() async throws {
        let directory = TemporaryDirectory()
        let store = try await StoreFixtures.makeStore(directory, "store.sqlite", seed: 91)
        let accountKey = SecureBytes(copying: [UInt8](repeating: 0xA5, count: 32))
        try await store.setSecret("client.account_key", to: accountKey)
        try await store.setSecret("empty", to: SecureBytes(copying: []))
        try await store.setSetting("client.user", to: "alice")
        let backupPath = directory.path("store.backup")
        try await store.exportBackup(to: backupPath, passphrase: Self.backupPassphrase, limits: StoreFixtures.limits)
        let restored = try await EncryptedStore.restoreBackup(
            from: backupPath, backupPassphrase: Self.backupPassphrase, to: directory.path("restored.sqlite"),
            storePassphrase: StoreFixtures.passphrase, limits: StoreFixtures.limits)
        #expect(try await restored.secret("client.account_key") == accountKey)
        #expect(try await restored.secret("empty") == SecureBytes(copying: []))
        #expect(try await restored.setting("client.user") == "alice")
        #expect(try await restored.allSettings() == [["client.user", "alice"]])
        try restored.close()
        try store.close()
    }

    @Test func aVersion1StoreWithASecretOpensMovesItAndBacksItUp() async throws {
        let directory = TemporaryDirectory()
        let path = directory.path("store-v1-secret.sqlite")
        try FileManager.default.copyItem(atPath: Self.legacyFixture.path, toPath: path)
        let store = try await EncryptedStore.open(at: path, passphrase: Self.fixturePassphrase)
        #expect(try await store.pool.read { try SealedValueUpgrade.storedVersion($0) } == StoreSchema.currentVersion)
        // The secret's row left `settings`; only the real setting is there.
        #expect(try await store.allSettings() == [["fixture-setting", "value-1"]])
        #expect(try await store.pool.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM secrets") } == 1)
        // Version 1 kept no secret names: a backup before the secret is read by name is refused,
        // and writes nothing.
        let early = directory.path("early.backup")
        await #expect(throws: StoreError.unnamedSecret) {
            try await store.exportBackup(to: early, passphrase: Self.backupPassphrase, limits: StoreFixtures.limits)
        }
        #expect(!FileManager.default.fileExists(atPath: early))
        // Read by name, it is named and re-keyed, and backed up from then on.
        #expect(try await store.secret("fixture-secret") == SecureBytes(copying: [UInt8](0..<32)))
        #expect(try await store.allSecrets().map(\.name) == ["fixture-secret"])
        let backupPath = directory.path("store.backup")
        try await store.exportBackup(to: backupPath, passphrase: Self.backupPassphrase, limits: StoreFixtures.limits)
        try store.close()
        let restored = try await EncryptedStore.restoreBackup(
            from: backupPath, backupPassphrase: Self.backupPassphrase, to: directory.path("restored.sqlite"),
            storePassphrase: StoreFixtures.passphrase, limits: StoreFixtures.limits)
        #expect(try await restored.secret("fixture-secret") == SecureBytes(copying: [UInt8](0..<32)))
        #expect(try await restored.setting("fixture-setting") == "value-1")
        #expect(try await restored.contact("fixture-contact")?.displayName == "Fixture Contact")
        try restored.close()
        // Reopened, the upgraded store still has it.
        let reopened = try await EncryptedStore.open(at: path, passphrase: Self.fixturePassphrase)
        #expect(try await reopened.secret("fixture-secret") == SecureBytes(copying: [UInt8](0..<32)))
        try reopened.close()
    }

    @Test func aSecretMovedToAnotherRowOrTableDoesNotOpen() async throws {
        let directory = TemporaryDirectory()
        let store = try await StoreFixtures.makeStore(directory, "store.sqlite", seed: 92)
        try await store.setSecret("a", to: SecureBytes(copying: [1]))
        try await store.setSecret("b", to: SecureBytes(copying: [2]))
        let hashA = store.keyring.lookupHash(Array("a".utf8), for: .secrets)
        let hashB = store.keyring.lookupHash(Array("b".utf8), for: .secrets)
        try await store.pool.write { db in
            let sealedA = try Data.fetchOne(db, sql: "SELECT sealed FROM secrets WHERE secret_hash = ?", arguments: [Data(hashA)])
            try db.execute(sql: "UPDATE secrets SET sealed = ? WHERE secret_hash = ?", arguments: [sealedA, Data(hashB)])
            // And a copy of it into settings, under a setting's name.
            let settingHash = store.keyring.lookupHash(Array("s".utf8), for: .settings)
            try db.execute(
                sql: "INSERT INTO settings (setting_hash, sealed) VALUES (?, ?)", arguments: [Data(settingHash), sealedA])
        }
        await #expect(throws: StoreError.integrity(table: "secrets")) { _ = try await store.secret("b") }
        await #expect(throws: StoreError.integrity(table: "settings")) { _ = try await store.setting("s") }
        #expect(try await store.secret("a") == SecureBytes(copying: [1]))
        try store.close()
    }

    @Test func malformedSecretPlaintextsAreIntegrityErrors() throws {
        for bytes: [UInt8] in [[], [2], [1], [1, 0], [1, 0, 5, 0x61], [1, 0, 1, 0xFF]] {
            #expect(throws: StoreError.integrity(table: "secrets"), "\(bytes)") {
                _ = try SecretRecord(plaintext: SecureBytes(copying: bytes))
            }
        }
        #expect(try SecretRecord(plaintext: SecureBytes(copying: [0, 7])).name == nil)
        let named = try SecretRecord(plaintext: SecretRecord.named("n", SecureBytes(copying: [7, 8])))
        #expect(named.name == "n" && named.secret == SecureBytes(copying: [7, 8]))
        #expect(throws: StoreError.invalidSecretName) {
            _ = try SecretRecord.named(String(repeating: "x", count: 65_536), SecureBytes(copying: []))
        }
    }
}

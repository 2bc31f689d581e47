import Foundation
import ParleyCrypto
import Testing

@testable import ParleyClient
@testable import ParleyStore

/// Backups of real client stores: a primary device's store holds its account key as a secret
/// beside its settings, and both must come back from a backup (issue 12, item 7).
@Suite(.serialized)
struct ClientBackupTests {
    private static let passphrase = SecureBytes(copying: Array("pw".utf8))
    private static let backupPassphrase = SecureBytes(copying: Array("backup pw".utf8))

    /// The regression: exporting a primary device's store failed with `integrity(settings)`
    /// because the account key's row in `settings` was not a `[name, value]` pair.
    @Test func aPrimaryDevicesStoreBacksUpAndRestoresWithEverySettingAndTheAccountKey() async throws {
        try await ClientWorld.run { world in
            let alice = try await world.client("alice")
            let settingsBefore = try await alice.store.allSettings().sorted { $0[0] < $1[0] }
            let accountKeyBefore = try #require(try await alice.store.secret(ClientSettings.accountSecretKey))
            let backupPath = "\(world.folder)/alice.backup"
            try await alice.store.exportBackup(to: backupPath, passphrase: Self.backupPassphrase, limits: .minimumForTesting)
            try alice.close()

            let directory = "\(world.folder)/alice-restored"
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let restoredStore = try await EncryptedStore.restoreBackup(
                from: backupPath, backupPassphrase: Self.backupPassphrase, to: ParleyClient.storePath(in: directory),
                storePassphrase: Self.passphrase, limits: .minimumForTesting)
            #expect(try await restoredStore.allSettings().sorted { $0[0] < $1[0] } == settingsBefore)
            #expect(try await restoredStore.secret(ClientSettings.accountSecretKey) == accountKeyBefore)
            try restoredStore.close()

            let restored = try await ParleyClient.open(storeDirectory: directory, passphrase: Self.passphrase)
            defer { try? restored.close() }
            #expect(restored.user == "alice" && restored.device == 1 && restored.serverURL == world.server.url)
        }
    }
}

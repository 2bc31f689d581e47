import Foundation
import ParleyCrypto
import ParleyProtocol
import ParleyStore
import Testing

/// Encrypted backup: what it keeps, what it leaves out, and how it fails.
struct StoreBackupTests {
    @Test func restoreKeepsIdentityContactsTrustSettingsAndHistoryButNoSessions() async throws {
        let pair = try await StoreMessagingTests.Pair(seed: 70)
        _ = try await pair.deliver("first words 初め", from: pair.alice, to: pair.bob, envelopeID: "e1")
        _ = try await pair.deliver("an answer", from: pair.bob, to: pair.alice, envelopeID: "e2")
        try await pair.bob.saveContact(
            Contact(user: "alice", displayName: "Alice Liddell", accountKey: [7, 7], trust: .verified))
        try await pair.bob.setSetting("server", to: "https://example.org")
        try await pair.bob.saveAttachment(
            AttachmentRecord(
                id: "att-1", key: SecureBytes(copying: [UInt8](repeating: 9, count: 32)), size: 10, ciphertextSHA256: [4],
                fileName: "a.txt", mediaType: "text/plain", localPath: "/home/bob/Downloads/a.txt"))
        _ = try await pair.bob.send(
            Array("never sent".utf8), to: StoreFixtures.alice, conversation: "alice", historyBody: Array("never sent".utf8),
            timestamp: 5)
        let backupPassphrase = SecureBytes(copying: Array("backup passphrase".utf8))
        let backupPath = pair.directory.path("bob.backup")
        try await pair.bob.exportBackup(to: backupPath, passphrase: backupPassphrase, limits: StoreFixtures.limits)

        let raw = Array(try Data(contentsOf: URL(fileURLWithPath: backupPath)))
        #expect(!String(decoding: raw, as: UTF8.self).contains("Alice Liddell"))
        #expect(!String(decoding: raw, as: UTF8.self).contains("first words"))

        let restored = try await EncryptedStore.restoreBackup(
            from: backupPath, backupPassphrase: backupPassphrase, to: pair.directory.path("restored.sqlite"),
            storePassphrase: StoreFixtures.passphrase, limits: StoreFixtures.limits)
        #expect(try await restored.identityKeyPair().publicKey == (try await pair.bob.identityKeyPair().publicKey))
        #expect(
            try await restored.contact("alice")
                == Contact(user: "alice", displayName: "Alice Liddell", accountKey: [7, 7], trust: .verified))
        #expect(try await restored.setting("server") == "https://example.org")
        let texts = try await restored.history(conversation: "alice").map { String(decoding: $0.body, as: UTF8.self) }
        #expect(texts == ["first words 初め", "an answer", "never sent"])
        #expect(try await restored.history(conversation: "alice").last?.state == .failed)
        #expect(try await restored.outbox().isEmpty)
        #expect(try await restored.attachment("att-1")?.key == SecureBytes(copying: [UInt8](repeating: 9, count: 32)))
        // The backed-up device's download path names a file of that device, not of this one.
        #expect(try await restored.attachment("att-1")?.localPath == nil)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: pair.directory.url.path).filter {
            $0.contains("restoring")
        }
        #expect(leftovers.isEmpty)
        #expect(try await restored.sessionRecord(for: StoreFixtures.alice) == nil)
        #expect(try await restored.oneTimePreKeyCount() == 0)
    }

    @Test func wrongPassphraseAndDamagedFilesAreInvalidBackups() async throws {
        let directory = TemporaryDirectory()
        let store = try await StoreFixtures.makeStore(directory, "a.sqlite", seed: 80)
        let backupPath = directory.path("a.backup")
        let passphrase = SecureBytes(copying: Array("backup".utf8))
        try await store.exportBackup(to: backupPath, passphrase: passphrase, limits: StoreFixtures.limits)
        await #expect(throws: StoreError.invalidBackup) {
            try await EncryptedStore.restoreBackup(
                from: backupPath, backupPassphrase: SecureBytes(copying: Array("wrong".utf8)), to: directory.path("b.sqlite"),
                storePassphrase: StoreFixtures.passphrase, limits: StoreFixtures.limits)
        }
        var bytes = Array(try Data(contentsOf: URL(fileURLWithPath: backupPath)))
        bytes[bytes.count - 5] ^= 1
        try Data(bytes).write(to: URL(fileURLWithPath: directory.path("damaged.backup")))
        await #expect(throws: StoreError.invalidBackup) {
            try await EncryptedStore.restoreBackup(
                from: directory.path("damaged.backup"), backupPassphrase: passphrase, to: directory.path("c.sqlite"),
                storePassphrase: StoreFixtures.passphrase, limits: StoreFixtures.limits)
        }
        #expect(!FileManager.default.fileExists(atPath: directory.path("b.sqlite")))
    }
}

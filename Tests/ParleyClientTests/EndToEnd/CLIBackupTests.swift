import Foundation
import Testing

@testable import ParleyClient

/// End to end: `parley backup`, `parley restore` and `parley passphrase` as processes against a
/// live server. What a restored device can do is Specs/client.md, "Backups and restored devices".
@Suite("parley backup, restore and passphrase against a live server", .serialized)
struct CLIBackupTests {
    /// Writes `text` and a line feed to a passphrase file in the world's folder.
    private static func passphraseFile(_ name: String, _ text: String, beside store: String) throws -> String {
        let path = ((store as NSString).deletingLastPathComponent as NSString).appendingPathComponent(name)
        try (text + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func aRestoredDeviceKeepsItsHistoryAndAccountKeyAndStartsNewSessionsOnFirstUse() async throws {
        try await CLIConversationTests.withAliceAndBob { server, alice, bob, user in
            try await alice.ok("send", ["bob", "before the backup"])
            #expect(try await bob.ok("sync") == "alice -> before the backup\n")
            try await bob.ok("send", ["alice", "reply before the backup"])
            #expect(try await alice.ok("sync") == "delivered to bob: 1 message(s)\nbob -> reply before the backup\n")
            let folder = (alice.store as NSString).deletingLastPathComponent
            let backupFile = "\(folder)/alice.backup"
            let backupPassphrase = try Self.passphraseFile("backup-passphrase", "backup secret", beside: alice.store)
            #expect(
                try await alice.ok("backup", [backupFile, "--backup-passphrase-file", backupPassphrase, "--kdf", "interactive"])
                    == "Backed up alice (device 1) to \(backupFile).\n")
            #expect(!String(decoding: try Data(contentsOf: URL(fileURLWithPath: backupFile)), as: UTF8.self).contains("reply"))

            // Alice's phone is gone; she restores on a new one (a new store directory).
            let restored = user("alice-restored")
            #expect(
                try await restored.ok(
                    "restore", [backupFile, "--backup-passphrase-file", backupPassphrase, "--kdf", "interactive"])
                    == "Restored alice (device 1) into \(restored.store); run `parley sync` to publish new prekeys.\n")
            #expect(
                masked(try await restored.ok("history", ["bob"])) == """
                    <time> me: before the backup (delivered)
                    <time> bob: reply before the backup

                    """)
            #expect(try await restored.ok("contacts") == "bob  unverified\n")

            // Bob still writes in the session from before the backup, which the restored
            // device does not have: reported, acknowledged, not readable.
            try await bob.ok("send", ["alice", "into the old session"])
            #expect(try await restored.ok("sync") == "could not read a message from bob/1: no_session\n")

            // The restored device's first message starts a new session; from then on both ways work.
            #expect(try await restored.ok("send", ["bob", "after the restore"]) == "sent to bob\n")
            // (The receipt is the one alice's old device sent for bob's reply before the backup.)
            #expect(try await bob.ok("sync") == "delivered to alice: 1 message(s)\nalice -> after the restore\n")
            try await bob.ok("send", ["alice", "welcome back"])
            #expect(try await restored.ok("sync") == "delivered to bob: 1 message(s)\nbob -> welcome back\n")
            #expect(
                masked(try await restored.ok("history", ["bob"])) == """
                    <time> me: before the backup (delivered)
                    <time> bob: reply before the backup
                    <time> bob: [could not decrypt: no_session]
                    <time> me: after the restore (delivered)
                    <time> bob: welcome back

                    """)

            // The account key came back: the restored device can still link a new device.
            let laptop = user("alice-laptop")
            let printed = try await laptop.ok(
                "init", ["--user", "alice", "--server", server.url, "--device", "2", "--kdf", "interactive", "--link"])
            let code = try #require(printed.split(separator: "\n").first { $0.hasPrefix(LinkCode.prefix) })
            #expect(try await restored.ok("link", [String(code)]) == "Linked device 2 to alice; run `parley sync` on it now.\n")
            try await laptop.ok("sync")
        }
    }

    @Test func restoreRefusesWrongPassphrasesDamagedFilesAndExistingStores() async throws {
        try await CLIConversationTests.withWorld { server, user in
            let alice = user("alice")
            try await alice.initialize(on: server)
            let backupFile = "\(alice.store).backup"
            let backupPassphrase = try Self.passphraseFile("backup-passphrase", "backup secret", beside: alice.store)
            let json = try await alice.ok(
                "backup", [backupFile, "--backup-passphrase-file", backupPassphrase, "--kdf", "interactive", "--json"])
            #expect(json == "{\"device\":1,\"event\":\"backed_up\",\"file\":\"\(backupFile)\",\"user\":\"alice\"}\n")
            // A second backup to the same name keeps the first unless told to replace it.
            let first = try Data(contentsOf: URL(fileURLWithPath: backupFile))
            let again = try await alice.run("backup", [backupFile, "--backup-passphrase-file", backupPassphrase])
            #expect(again.status != 0 && again.stderr.contains("\(backupFile) exists; give --force to replace it."))
            #expect(try Data(contentsOf: URL(fileURLWithPath: backupFile)) == first)
            try await alice.ok(
                "backup", [backupFile, "--backup-passphrase-file", backupPassphrase, "--kdf", "interactive", "--force"])
            #expect(try Data(contentsOf: URL(fileURLWithPath: backupFile)) != first)

            let wrong = try Self.passphraseFile("wrong-passphrase", "not it", beside: alice.store)
            let target = user("target")
            let refused = try await target.run("restore", [backupFile, "--backup-passphrase-file", wrong])
            #expect(refused.status == 1)
            #expect(
                refused.stderr
                    == "parley: The backup cannot be read: it is not a Parley backup, it is damaged, or the backup passphrase is wrong.\n"
            )
            #expect(!FileManager.default.fileExists(atPath: target.store))
            var damaged = Array(try Data(contentsOf: URL(fileURLWithPath: backupFile)))
            damaged[damaged.count - 1] ^= 1
            try Data(damaged).write(to: URL(fileURLWithPath: backupFile + ".damaged"))
            let broken = try await target.run("restore", [backupFile + ".damaged", "--backup-passphrase-file", backupPassphrase])
            #expect(broken.status == 1 && broken.stderr == refused.stderr)
            let missing = try await target.run(
                "restore", ["\(backupFile).missing", "--backup-passphrase-file", backupPassphrase])
            #expect(missing.stderr == "parley: The file \(backupFile).missing cannot be read or written.\n")
            let onto = try await alice.run("restore", [backupFile, "--backup-passphrase-file", backupPassphrase])
            #expect(onto.status == 1 && onto.stderr == "parley: A Parley store already exists in \(alice.store).\n")
            #expect(!FileManager.default.fileExists(atPath: target.store))
        }
    }

    @Test func thePassphraseChangesAndPassphrasesAreNeverEchoed() async throws {
        try await CLIConversationTests.withWorld { server, user in
            let alice = user("alice")
            try await alice.initialize(on: server)
            let newPassphrase = try Self.passphraseFile("new-passphrase", "a new passphrase", beside: alice.store)
            #expect(
                try await alice.ok("passphrase", ["--new-passphrase-file", newPassphrase])
                    == "Changed the passphrase of the store in \(alice.store).\n")
            let old = try await alice.run("status")
            #expect(old.status == 1 && old.stderr == "parley: The passphrase does not open this store.\n")
            var renamed = alice
            renamed.passphrase = "a new passphrase"
            #expect(try await renamed.ok("status").contains("user:      alice (device 1)"))

            // On a terminal: the store passphrase, then the backup passphrase twice; none echoed.
            let backupFile = "\(alice.store).backup"
            let typed = try await renamed.runOnTerminal(
                "backup", [backupFile, "--kdf", "interactive"],
                answering: [
                    ("Passphrase: ", "a new passphrase"), ("Backup passphrase: ", "typed backup secret"),
                    ("Type it again: ", "typed backup secret"),
                ])
            #expect(typed.status == 0, "\(typed.stdout)")
            #expect(typed.stdout.contains("Backed up alice (device 1) to \(backupFile)."))
            #expect(!typed.stdout.contains("typed backup secret") && !typed.stdout.contains("a new passphrase"))
            let differ = try await renamed.runOnTerminal(
                "passphrase", [],
                answering: [
                    ("Passphrase: ", "a new passphrase"), ("New passphrase for the store: ", "one"), ("Type it again: ", "two"),
                ])
            #expect(differ.status == 1)
            #expect(differ.stdout.contains("The two passphrases differ; the passphrase was not changed."))
            #expect(try await renamed.ok("status").contains("user:      alice (device 1)"))
        }
    }
}

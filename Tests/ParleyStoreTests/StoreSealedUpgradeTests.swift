import Foundation
import GRDB
import ParleyCrypto
import ParleyProtocol
import ParleyVectors
import Testing

@testable import ParleyStore

/// Opening a store whose values were sealed under an older schema version (Specs/store.md §9.3):
/// every value is re-sealed under the current version in one transaction, or nothing changes.
/// The tests open with versions after this build's, as a future build would.
struct StoreSealedUpgradeTests {
    private static let fixturePassphrase = SecureBytes(copying: Array("fixture passphrase".utf8))
    /// This build's version, and the next one.
    private static let current = StoreSchema.currentVersion
    private static let later = StoreSchema.currentVersion + 1
    private static let unchanged: SealedValueUpgrade.Step = { _, plaintext in plaintext }

    @Test func everyTableWithASealedColumnIsResealed() async throws {
        let directory = TemporaryDirectory()
        let store = try await StoreFixtures.makeStore(directory, "store.sqlite", seed: 1)
        let tables = try await store.pool.read { db in
            try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table'").filter { table in
                try db.columns(in: table).contains { $0.name == "sealed" }
            }
        }
        #expect(Set(tables) == Set(SealedValueUpgrade.sealedTables.map(\.purpose.table)))
        #expect(tables.count == SealedValueUpgrade.sealedTables.count)
        try store.close()
    }

    @Test func theFirstSchemaFixtureIsResealedUnderALaterVersionWithAllItsContent() async throws {
        let directory = TemporaryDirectory()
        let path = try await Self.fixtureWithEveryKindOfRow(directory)
        let before = try await Self.content(try await EncryptedStore.open(at: path, passphrase: Self.fixturePassphrase))
        // Every kind of value is there to be re-sealed (none missing).
        #expect(!before.contains { $0.hasSuffix(" -") })
        #expect(before.contains { $0.hasPrefix("attachment ") } && before.contains { $0.hasPrefix("outbox ") })

        let upgraded = try await Self.open(path, version: Self.later, steps: [Self.current: Self.unchanged])
        #expect(try await Self.content(upgraded) == before)
        #expect(try await upgraded.pool.read { try SealedValueUpgrade.storedVersion($0) } == Self.later)
        // Written afterwards under the later version as well, and read back.
        try await upgraded.setSetting("after-upgrade", to: "later")
        try upgraded.close()

        // This build no longer opens it: it cannot read the later version's values.
        await #expect(throws: StoreError.newerSchema) {
            _ = try await EncryptedStore.open(at: path, passphrase: Self.fixturePassphrase)
        }
        let reopened = try await Self.open(path, version: Self.later, steps: [:])
        #expect(try await reopened.setting("after-upgrade") == "later")
        #expect(try await Self.content(reopened) == before)
        // The values themselves are of the later version: marked as this build's again, they no longer open.
        try await reopened.pool.write { db in try SealedValueUpgrade.setStoredVersion(Self.current, db) }
        try reopened.close()
        await #expect(throws: StoreError.integrity(table: "identity")) {
            _ = try await EncryptedStore.open(at: path, passphrase: Self.fixturePassphrase)
        }
    }

    @Test func stepsChangePlaintextsOneVersionAtATime() async throws {
        let directory = TemporaryDirectory()
        let path = try await Self.fixtureWithEveryKindOfRow(directory)
        // This build's version -> the next keeps values; the one after rewrites every setting's
        // value (a JSON [name, value]); secrets, in their own table, stay as they are.
        let rewriteSettings: SealedValueUpgrade.Step = { purpose, plaintext in
            guard purpose == .settings,
                let pair = try? plaintext.withUnsafeBytes({ try JSONDecoder().decode([String].self, from: Data($0)) }),
                pair.count == 2
            else { return plaintext }
            var json = try Array(JSONEncoder().encode([pair[0], pair[1] + "-v3"]))
            return SecureBytes(zeroingAfterCopy: &json)
        }
        let store = try await Self.open(
            path, version: Self.later + 1, steps: [Self.current: Self.unchanged, Self.later: rewriteSettings])
        #expect(try await store.setting("fixture-setting") == "value-1-v3")
        #expect(try await store.secret("fixture-secret")?.unprotectedBytes() == [9, 9, 9])
        #expect(try await store.contact("fixture-contact")?.displayName == "Fixture Contact")
        #expect(try await store.pool.read { try SealedValueUpgrade.storedVersion($0) } == Self.later + 1)
        try store.close()
    }

    @Test func aFailingUpgradeChangesNothing() async throws {
        let directory = TemporaryDirectory()
        let path = try await Self.fixtureWithEveryKindOfRow(directory)
        let before = try await Self.content(try await EncryptedStore.open(at: path, passphrase: Self.fixturePassphrase))
        struct StepFailed: Error {}
        // The step fails on the messages table, after earlier tables were re-sealed.
        let failing: SealedValueUpgrade.Step = { purpose, plaintext in
            if purpose == .messages { throw StepFailed() }
            return plaintext
        }
        await #expect(throws: StepFailed.self) {
            _ = try await Self.open(path, version: Self.later, steps: [Self.current: failing])
        }
        // Still wholly this build's version: it opens with everything in it.
        let store = try await EncryptedStore.open(at: path, passphrase: Self.fixturePassphrase)
        #expect(try await Self.content(store) == before)
        #expect(try await store.pool.read { try SealedValueUpgrade.storedVersion($0) } == Self.current)
        try store.close()
    }

    @Test func aDamagedVersionRowIsAnIntegrityError() async throws {
        let directory = TemporaryDirectory()
        let store = try await StoreFixtures.makeStore(directory, "store.sqlite", seed: 2)
        try store.close()
        for damage in ["version = 0", "version = 'one'", "version = 4294967296", "version = 1.5"] {
            let pool = try DatabasePool(path: directory.path("store.sqlite"))
            try await pool.write { db in try db.execute(sql: "UPDATE sealed_version SET \(damage)") }
            try pool.close()
            await #expect(throws: StoreError.integrity(table: "sealed_version"), "\(damage)") {
                _ = try await EncryptedStore.open(at: directory.path("store.sqlite"), passphrase: StoreFixtures.passphrase)
            }
        }
        // A missing row too.
        let pool = try DatabasePool(path: directory.path("store.sqlite"))
        try await pool.write { db in try db.execute(sql: "DELETE FROM sealed_version") }
        try pool.close()
        await #expect(throws: StoreError.integrity(table: "sealed_version")) {
            _ = try await EncryptedStore.open(at: directory.path("store.sqlite"), passphrase: StoreFixtures.passphrase)
        }
    }

    // MARK: Helpers

    /// A copy of the first-schema fixture with a row in every sealed table (prekeys, an
    /// attachment and a secret added to what the fixture holds).
    private static func fixtureWithEveryKindOfRow(_ directory: TemporaryDirectory) async throws -> String {
        let path = directory.path("store.sqlite")
        try FileManager.default.copyItem(atPath: StoreSchemaFixtureTests.fixture.path, toPath: path)
        let store = try await EncryptedStore.open(at: path, passphrase: fixturePassphrase)
        _ = try await StoreFixtures.publish(store, count: 2, seed: 3)
        try await store.saveAttachment(
            AttachmentRecord(
                id: "attachment-1", key: SecureBytes(copying: [UInt8](repeating: 7, count: 32)), size: 5,
                ciphertextSHA256: [1, 2, 3], fileName: "a.txt", mediaType: "text/plain"))
        try await store.setSecret("fixture-secret", to: SecureBytes(copying: [9, 9, 9]))
        try store.close()
        return path
    }

    private static func open(_ path: String, version: UInt32, steps: [UInt32: SealedValueUpgrade.Step]) async throws
        -> EncryptedStore
    {
        try await EncryptedStore.open(
            at: path, passphrase: fixturePassphrase, random: SystemRandomSource(), version: version, upgradeSteps: steps)
    }

    /// The bundle `StoreFixtures.publish(_:count:seed: 3)` publishes, made again from its seed
    /// in a throwaway store of the same identity's kind (only the prekeys are used).
    private static func publishedBundle() async throws -> PreKeyBundle {
        let random = SeededRandomSource(seed: 3)
        let identity = IdentityKeyPair(random: SeededRandomSource(seed: 99))
        let signed = SignedPreKey(identity: identity, random: random)
        let oneTime = OneTimePreKey(random: random)
        return PreKeyBundle(
            identityKey: identity.publicKey, signedPreKey: signed.keyPair.publicKey, signedPreKeySignature: signed.signature,
            oneTimePreKey: oneTime.keyPair.publicKey)
    }

    /// What a store holds, as comparable text (one line per value of every sealed table).
    private static func content(_ store: EncryptedStore) async throws -> [String] {
        var lines: [String] = []
        lines.append("identity " + Hex.encode(try await store.identityKeyPair().publicKey.rawRepresentation))
        lines += try await store.contacts().map { "contact \($0)" }
        lines.append("setting \(try await store.setting("fixture-setting") ?? "-")")
        lines.append("secret \((try await store.secret("fixture-secret")?.unprotectedBytes()).map(Hex.encode) ?? "-")")
        for conversation in try await store.conversations() {
            lines.append("conversation \(conversation.id)")
            lines += try await store.history(conversation: conversation.id).map {
                "message \($0.rowID) \(String(decoding: $0.body, as: UTF8.self)) \($0.state)"
            }
        }
        lines += try await store.outbox().map { "outbox \($0.rowID)" }
        let session = try await store.sessionRecord(for: StoreFixtures.bob)
        lines.append("session " + (session.map { Hex.encode($0.serialized.unprotectedBytes()) } ?? "-"))
        // The prekeys StoreFixtures.publish(seed: 3) made: the same seed makes the same keys.
        let bundle = try await Self.publishedBundle()
        let signed = try await store.signedPreKey(for: bundle.signedPreKey)
        lines.append("signed prekey " + (signed.map { Hex.encode($0.signature) } ?? "-"))
        if let oneTime = bundle.oneTimePreKey {
            let opened = try await store.oneTimePreKey(for: oneTime)
            lines.append("one-time " + (opened.map { Hex.encode($0.keyPair.publicKey.rawRepresentation) } ?? "-"))
        }
        lines += try await store.attachments().map { "attachment \($0.id) \(Hex.encode($0.key.unprotectedBytes()))" }
        return lines
    }
}

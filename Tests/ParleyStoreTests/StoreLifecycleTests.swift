import Foundation
import GRDB
import ParleyCrypto
import ParleyProtocol
import Testing

@testable import ParleyStore

/// Creating, opening and re-keying stores; the errors a user can meet.
struct StoreLifecycleTests {
    @Test func reopensWithTheSameIdentityAndRejectsAWrongPassphrase() async throws {
        let directory = TemporaryDirectory()
        let store = try await StoreFixtures.makeStore(directory, "a.sqlite", seed: 1)
        let identity = try await store.identityKeyPair().publicKey
        try store.close()
        let reopened = try await EncryptedStore.open(at: directory.path("a.sqlite"), passphrase: StoreFixtures.passphrase)
        #expect(try await reopened.identityKeyPair().publicKey == identity)
        try reopened.close()
        await #expect(throws: StoreError.wrongPassphrase) {
            try await EncryptedStore.open(at: directory.path("a.sqlite"), passphrase: SecureBytes(copying: Array("wrong".utf8)))
        }
    }

    @Test func changingThePassphraseRewrapsOnlyTheKey() async throws {
        let directory = TemporaryDirectory()
        let store = try await StoreFixtures.makeStore(directory, "a.sqlite", seed: 2)
        try await store.saveContact(Contact(user: "carol", displayName: "Carol"))
        let newPassphrase = SecureBytes(copying: Array("new passphrase".utf8))
        await #expect(throws: StoreError.wrongPassphrase) {
            try await store.changePassphrase(from: SecureBytes(copying: Array("wrong".utf8)), to: newPassphrase)
        }
        // Named limits are kept as they are (the testing ones here; without a name they would be
        // raised to the floor, StoreKeyDerivationFloorTests).
        try await store.changePassphrase(from: StoreFixtures.passphrase, to: newPassphrase, limits: StoreFixtures.limits)
        try store.close()
        await #expect(throws: StoreError.wrongPassphrase) {
            try await EncryptedStore.open(at: directory.path("a.sqlite"), passphrase: StoreFixtures.passphrase)
        }
        let reopened = try await EncryptedStore.open(at: directory.path("a.sqlite"), passphrase: newPassphrase)
        #expect(try await reopened.contact("carol")?.displayName == "Carol")
        #expect(try await reopened.passphraseLimits() == StoreFixtures.limits)
    }

    @Test func refusesToCreateOverAStoreAndToOpenOtherFiles() async throws {
        let directory = TemporaryDirectory()
        let store = try await StoreFixtures.makeStore(directory, "a.sqlite", seed: 3)
        try store.close()
        await #expect(throws: StoreError.alreadyExists) { try await StoreFixtures.makeStore(directory, "a.sqlite", seed: 4) }
        await #expect(throws: StoreError.notAStore) {
            try await EncryptedStore.open(at: directory.path("missing.sqlite"), passphrase: StoreFixtures.passphrase)
        }
        try Data("not a database at all, just text".utf8).write(to: URL(fileURLWithPath: directory.path("text.sqlite")))
        await #expect(throws: StoreError.self) {
            try await EncryptedStore.open(at: directory.path("text.sqlite"), passphrase: StoreFixtures.passphrase)
        }
    }

    @Test func aDatabaseFromANewerSchemaIsRefusedClearly() async throws {
        let directory = TemporaryDirectory()
        let store = try await StoreFixtures.makeStore(directory, "a.sqlite", seed: 5)
        try store.close()
        let queue = try DatabaseQueue(path: directory.path("a.sqlite"))
        try await queue.write { db in
            try db.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('v99-from-the-future')")
        }
        try queue.close()
        await #expect(throws: StoreError.newerSchema) {
            try await EncryptedStore.open(at: directory.path("a.sqlite"), passphrase: StoreFixtures.passphrase)
        }
    }

    @Test func aDamagedHeaderIsAnIntegrityErrorNotAWrongPassphrase() async throws {
        let directory = TemporaryDirectory()
        let store = try await StoreFixtures.makeStore(directory, "a.sqlite", seed: 6)
        try store.close()
        let queue = try DatabaseQueue(path: directory.path("a.sqlite"))
        try await queue.write { db in
            let wrapped = try #require(try Data.fetchOne(db, sql: "SELECT wrapped_key FROM store_header"))
            var bytes = Array(wrapped)
            bytes[30] ^= 1
            try db.execute(sql: "UPDATE store_header SET wrapped_key = ?", arguments: [Data(bytes)])
        }
        try queue.close()
        await #expect(throws: StoreError.integrity(table: "store_header")) {
            try await EncryptedStore.open(at: directory.path("a.sqlite"), passphrase: StoreFixtures.passphrase)
        }
    }
}

/// Passphrases from an environment variable or a file (the prompt needs a terminal).
struct PassphraseSourceTests {
    @Test func readsFromFileAndEnvironmentAndRejectsEmpty() throws {
        let directory = TemporaryDirectory()
        try Data("from a file\nsecond line ignored\n".utf8).write(to: URL(fileURLWithPath: directory.path("pass")))
        #expect(try PassphraseSource.file(directory.path("pass")).read() == SecureBytes(copying: Array("from a file".utf8)))
        try Data("\n".utf8).write(to: URL(fileURLWithPath: directory.path("empty")))
        #expect(throws: PassphraseSource.Failure.empty) { try PassphraseSource.file(directory.path("empty")).read() }
        #expect(throws: PassphraseSource.Failure.fileUnreadable(directory.path("missing"))) {
            try PassphraseSource.file(directory.path("missing")).read()
        }
        setenv("PARLEY_TEST_PASSPHRASE", "from the environment", 1)
        #expect(
            try PassphraseSource.environment("PARLEY_TEST_PASSPHRASE").read()
                == SecureBytes(copying: Array("from the environment".utf8)))
        #expect(throws: PassphraseSource.Failure.environmentVariableNotSet("PARLEY_TEST_UNSET_VARIABLE")) {
            try PassphraseSource.environment("PARLEY_TEST_UNSET_VARIABLE").read()
        }
    }
}

/// Durability and resource bounds.
struct StoreDurabilityTests {
    @Test func everyCommitIsSyncedToDisk() async throws {
        let directory = TemporaryDirectory()
        let store = try await StoreFixtures.makeStore(directory, "a.sqlite", seed: 90)
        #expect(try await store.synchronousMode() == 2)  // FULL
        try store.close()
        let reopened = try await EncryptedStore.open(at: directory.path("a.sqlite"), passphrase: StoreFixtures.passphrase)
        #expect(try await reopened.synchronousMode() == 2)
    }

    @Test func aHeaderAskingForExcessiveArgon2idCostIsRefused() async throws {
        let directory = TemporaryDirectory()
        await #expect(throws: StoreError.invalidPassphraseSettings) {
            try await EncryptedStore.create(
                at: directory.path("a.sqlite"), passphrase: StoreFixtures.passphrase,
                identity: IdentityKeyPair(random: SystemRandomSource()),
                limits: Argon2id.Limits(operations: 1_000_000, memoryBytes: 8 << 10))
        }
        let store = try await StoreFixtures.makeStore(directory, "b.sqlite", seed: 91)
        try store.close()
        let queue = try DatabaseQueue(path: directory.path("b.sqlite"))
        try await queue.write { db in try db.execute(sql: "UPDATE store_header SET ops_limit = 1000000") }
        try queue.close()
        // Refused before any Argon2id work (the checksum no longer matches either).
        await #expect(throws: StoreError.integrity(table: "store_header")) {
            try await EncryptedStore.open(at: directory.path("b.sqlite"), passphrase: StoreFixtures.passphrase)
        }
    }
}

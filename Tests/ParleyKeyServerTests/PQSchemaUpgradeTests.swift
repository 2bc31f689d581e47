import Foundation
import GRDB
import ParleyCrypto
import PostgresNIO
import Testing

@testable import ParleyKeyServer

/// A database made by the previous version (SQLite migration v5, PostgreSQL schema version 3)
/// with a device and its signed prekey: the new version opens it, the device is still claimable,
/// its signed prekey's age is unknown (`null`), and PQ prekeys can be added and claimed.
@Suite("PQ prekey schema upgrades")
struct PQSchemaUpgradeTests {
    static let identityKey = Ed25519.PrivateKey(random: SystemRandomSource()).publicKey
    static let signedPreKey = X25519.PrivateKey(random: SystemRandomSource()).publicKey

    /// What the upgraded storage must show for the device made before the upgrade.
    static func expectUpgraded(_ storage: any KeyServerStorage) async throws {
        let bob = DeviceAddress(user: try UserID("bob"), device: 1)
        #expect(
            try await storage.preKeyStatus(for: bob)
                == PreKeyStatus(oneTime: 0, pqOneTime: 0, signedPreKeyUploadedAt: nil, pqLastResortUploadedAt: nil))
        let before = try await storage.claimBundles(of: bob.user, devices: nil)
        #expect(before.first?.signedPreKey.key == signedPreKey)
        #expect(before.first?.pqPreKey == nil)
        let oneTime = try PQPreKeyRecord(stored: randomBytes(PQPreKeyRecord.keyByteCount), signature: randomBytes(64))
        #expect(try await storage.addPQOneTimePreKeys([oneTime], for: bob, limit: 10) == 1)
        let after = try await storage.claimBundles(of: bob.user, devices: nil, requirePQPreKey: true)
        #expect(after.first?.pqPreKey == ClaimedPQPreKey(record: oneTime, lastResort: false))
    }

    @Test func sqliteFromMigrationV5() async throws {
        let directory = temporaryDirectory("parley-upgrade")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("server.sqlite").path
        let old = try DatabaseQueue(path: path)
        try SQLiteSchema.migrator().migrate(old, upTo: "v5")
        try await old.write { db in
            try db.execute(sql: "INSERT INTO accounts (user, account_key) VALUES ('bob', ?)", arguments: [Data(randomBytes(32))])
            try db.execute(
                sql: """
                    INSERT INTO devices (user, id, identity_key, certificate, signed_prekey, signed_prekey_signature)
                    VALUES ('bob', 1, ?, ?, ?, ?)
                    """,
                arguments: [
                    Data(Self.identityKey.rawRepresentation), Data([1]), Data(Self.signedPreKey.rawRepresentation),
                    Data(randomBytes(64)),
                ])
        }
        try old.close()
        let storage = try SQLiteKeyServerStorage(path: path)
        try await Self.expectUpgraded(storage)
        try await storage.close()
    }

    @Test(.enabled(if: Backend.postgresURL != nil, "needs PARLEY_TEST_POSTGRES_URL"))
    func postgresFromSchemaVersion3() async throws {
        try await ScratchDatabase.with { database in
            // Version 3's statements: today's without version 4's additions and without the
            // version row (written as 3 here).
            let old = PostgresSchema.statements.filter { statement in
                !["pq_", "signed_prekey_at", "INSERT INTO parley_schema"].contains { statement.sql.contains($0) }
            }
            try await SQLConnection.with(database.configuration) { connection in
                for statement in old { try await connection.run(statement) }
                try await connection.run("INSERT INTO parley_schema (version) VALUES (3)")
                try await connection.run(
                    "INSERT INTO accounts (user_id, account_key) VALUES ('bob', \(ByteBuffer(bytes: randomBytes(32))))")
                try await connection.run(
                    """
                    INSERT INTO devices (user_id, id, identity_key, certificate, signed_prekey, signed_prekey_signature)
                    VALUES ('bob', 1, \(ByteBuffer(bytes: Self.identityKey.rawRepresentation)), \(ByteBuffer(bytes: [1])),
                            \(ByteBuffer(bytes: Self.signedPreKey.rawRepresentation)), \(ByteBuffer(bytes: randomBytes(64))))
                    """)
            }
            let storage = PostgresKeyServerStorage(configuration: database.configuration)
            try await Backend.detailingPostgresErrors {
                try await storage.withRunning { try await Self.expectUpgraded(storage) }
            }
            let version = try await SQLConnection.with(database.configuration) { connection in
                try await connection.integer("SELECT max(version) FROM parley_schema")
            }
            #expect(version == PostgresSchema.version)
        }
    }
}

import Foundation
import GRDB
import ParleyCrypto

/// ``KeyServerStorage`` in one SQLite file in WAL mode (GRDB `DatabasePool`): the default backend.
///
/// Every method is one transaction. GRDB opens write transactions with `BEGIN IMMEDIATE`, taking
/// SQLite's write lock at once, so a
/// claim's select-then-delete of a one-time prekey cannot interleave with another claim, from this
/// process or another one on the same file.
public final class SQLiteKeyServerStorage: KeyServerStorage {
    private let pool: DatabasePool

    /// Opens (creating if needed) the database at `path` and brings its schema up to date.
    /// - Parameter path: the database file.
    /// - Throws: GRDB's errors when the file cannot be opened or migrated.
    public init(path: String) throws {
        var configuration = Configuration()
        configuration.foreignKeysEnabled = true
        // Waiting writers (other processes on the same file) retry for up to 5 s before failing.
        configuration.busyMode = .timeout(5)
        pool = try DatabasePool(path: path, configuration: configuration)
        try SQLiteSchema.migrator().migrate(pool)
    }

    public func createAccount(user: UserID, accountKey: Ed25519.PublicKey, device: DeviceRecord) async throws {
        try await pool.write { db in
            try db.execute(
                sql: "INSERT INTO accounts (user, account_key) VALUES (?, ?) ON CONFLICT DO NOTHING",
                arguments: [user.rawValue, Data(accountKey.rawRepresentation)])
            guard db.changesCount == 1 else { throw DirectoryError.userTaken }
            try Self.insert(device, user: user, db: db)
        }
    }

    public func account(_ user: UserID) async throws -> AccountRecord? {
        try await pool.read { db in
            guard
                let row = try Row.fetchOne(
                    db, sql: "SELECT account_key FROM accounts WHERE user = ?", arguments: [user.rawValue])
            else { return nil }
            let accountKey = try Ed25519.PublicKey(rawRepresentation: Self.bytes(row, "account_key"))
            let devices = try Row.fetchAll(
                db, sql: "SELECT id, identity_key, certificate FROM devices WHERE user = ? ORDER BY id",
                arguments: [user.rawValue]
            ).map(Self.deviceRecord)
            return AccountRecord(user: user, accountKey: accountKey, devices: devices)
        }
    }

    public func identityKey(of address: DeviceAddress) async throws -> Ed25519.PublicKey? {
        try await pool.read { db in
            try Row.fetchOne(
                db, sql: "SELECT identity_key FROM devices WHERE user = ? AND id = ?",
                arguments: [address.user.rawValue, Int64(address.device)]
            ).map { try Ed25519.PublicKey(rawRepresentation: Self.bytes($0, "identity_key")) }
        }
    }

    public func addDevice(_ device: DeviceRecord, to user: UserID) async throws {
        try await pool.write { db in
            guard try Self.exists(db, "SELECT 1 FROM accounts WHERE user = ?", [user.rawValue]) else {
                throw DirectoryError.unknownUser
            }
            guard try !Self.exists(db, "SELECT 1 FROM devices WHERE user = ? AND id = ?", [user.rawValue, Int64(device.id)])
            else { throw DirectoryError.deviceTaken }
            try Self.insert(device, user: user, db: db)
        }
    }

    public func removeDevice(_ address: DeviceAddress) async throws {
        try await pool.write { db in
            // Prekeys and messages go with it (ON DELETE CASCADE).
            try db.execute(
                sql: "DELETE FROM devices WHERE user = ? AND id = ?", arguments: Self.arguments(address))
            guard db.changesCount == 1 else { throw DirectoryError.unknownDevice }
            // The last device takes the account with it: the user id is free again.
            try db.execute(
                sql: "DELETE FROM accounts WHERE user = ? AND NOT EXISTS (SELECT 1 FROM devices WHERE user = ?)",
                arguments: [address.user.rawValue, address.user.rawValue])
        }
    }

    public func setSignedPreKey(_ signedPreKey: SignedPreKeyRecord, for address: DeviceAddress) async throws {
        try await pool.write { db in
            try db.execute(
                sql: "UPDATE devices SET signed_prekey = ?, signed_prekey_signature = ? WHERE user = ? AND id = ?",
                arguments: [
                    Data(signedPreKey.key.rawRepresentation), Data(signedPreKey.signature), address.user.rawValue,
                    Int64(address.device),
                ])
            guard db.changesCount == 1 else { throw DirectoryError.unknownDevice }
        }
    }

    public func addOneTimePreKeys(_ keys: [X25519.PublicKey], for address: DeviceAddress, limit: Int) async throws
        -> Int
    {
        try await pool.write { db in
            guard try Self.exists(db, "SELECT 1 FROM devices WHERE user = ? AND id = ?", Self.arguments(address)) else {
                throw DirectoryError.unknownDevice
            }
            for key in keys {
                try db.execute(
                    sql: "INSERT INTO one_time_prekeys (user, device, key) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                    arguments: [address.user.rawValue, Int64(address.device), Data(key.rawRepresentation)])
            }
            let held = try Self.count(db, "SELECT COUNT(*) FROM one_time_prekeys WHERE user = ? AND device = ?", address)
            // Throwing rolls the inserts back: nothing is stored when the limit would be passed.
            guard held <= limit else { throw DirectoryError.preKeyLimit(limit: limit) }
            return held
        }
    }

    public func oneTimePreKeyCount(for address: DeviceAddress) async throws -> Int {
        try await pool.read { db in
            try Self.count(db, "SELECT COUNT(*) FROM one_time_prekeys WHERE user = ? AND device = ?", address)
        }
    }

    public func claimBundles(of user: UserID, devices: [UInt32]?) async throws -> [PreKeyBundleRecord] {
        try await pool.write { db in
            guard try Self.exists(db, "SELECT 1 FROM accounts WHERE user = ?", [user.rawValue]) else {
                throw DirectoryError.unknownUser
            }
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT id, identity_key, certificate, signed_prekey, signed_prekey_signature
                    FROM devices WHERE user = ? ORDER BY id
                    """,
                arguments: [user.rawValue])
            var byID: [UInt32: Row] = [:]
            for row in rows {
                let id: Int64 = row["id"]
                byID[UInt32(truncatingIfNeeded: id)] = row
            }
            let ids = try MemoryKeyServerStorage.claimedIDs(devices, available: Set(byID.keys))
            var bundles: [PreKeyBundleRecord] = []
            for id in ids {
                guard let row = byID[id], let spk: Data = row["signed_prekey"],
                    let signature: Data = row["signed_prekey_signature"]
                else { continue }
                let signedPreKey = SignedPreKeyRecord(
                    key: try X25519.PublicKey(rawRepresentation: spk), signature: Array(signature))
                var oneTime: X25519.PublicKey?
                if let claimed = try Row.fetchOne(
                    db,
                    sql: "SELECT seq, key FROM one_time_prekeys WHERE user = ? AND device = ? ORDER BY seq LIMIT 1",
                    arguments: [user.rawValue, Int64(id)])
                {
                    let seq: Int64 = claimed["seq"]
                    // Deleted in this same transaction: handed out at most once.
                    try db.execute(sql: "DELETE FROM one_time_prekeys WHERE seq = ?", arguments: [seq])
                    oneTime = try X25519.PublicKey(rawRepresentation: Self.bytes(claimed, "key"))
                }
                bundles.append(
                    PreKeyBundleRecord(device: try Self.deviceRecord(row), signedPreKey: signedPreKey, oneTimePreKey: oneTime))
            }
            return bundles
        }
    }

    public func enqueue(_ messages: [OutgoingEnvelope], from sender: DeviceAddress, at timestamp: Int64, mailboxLimit: Int)
        async throws -> [Int64]
    {
        try await pool.write { db in
            var incoming: [DeviceAddress: Int] = [:]
            for message in messages {
                incoming[message.recipient, default: 0] += 1
            }
            for (recipient, count) in incoming {
                guard try Self.exists(db, "SELECT 1 FROM devices WHERE user = ? AND id = ?", Self.arguments(recipient)) else {
                    throw DirectoryError.unknownDevice
                }
                let depth = try Self.count(db, "SELECT COUNT(*) FROM messages WHERE user = ? AND device = ?", recipient)
                guard depth + count <= mailboxLimit else { throw DirectoryError.mailboxFull(limit: mailboxLimit) }
            }
            var ids: [Int64] = []
            ids.reserveCapacity(messages.count)
            for message in messages {
                try db.execute(
                    sql: """
                        INSERT INTO messages (user, device, sender_user, sender_device, timestamp, body)
                        VALUES (?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [
                        message.recipient.user.rawValue, Int64(message.recipient.device), sender.user.rawValue,
                        Int64(sender.device), timestamp, Data(message.body),
                    ])
                ids.append(db.lastInsertedRowID)
            }
            return ids
        }
    }

    public func pendingEnvelopes(for address: DeviceAddress, limit: Int, notBefore: Int64) async throws -> [Envelope] {
        try await pool.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT id, sender_user, sender_device, timestamp, body FROM messages
                    WHERE user = ? AND device = ? AND timestamp >= ? ORDER BY id LIMIT ?
                    """,
                arguments: [address.user.rawValue, Int64(address.device), notBefore, Int64(max(0, limit))]
            ).map { row in
                let senderDevice: Int64 = row["sender_device"]
                return Envelope(
                    id: row["id"], recipient: address,
                    sender: DeviceAddress(
                        user: try UserID(validating: row["sender_user"]), device: UInt32(truncatingIfNeeded: senderDevice)),
                    timestamp: row["timestamp"], body: try Self.bytes(row, "body"))
            }
        }
    }

    public func acknowledge(_ ids: [Int64], for address: DeviceAddress) async throws -> Int {
        guard !ids.isEmpty else { return 0 }
        return try await pool.write { db in
            var deleted = 0
            for id in Set(ids) {
                try db.execute(
                    sql: "DELETE FROM messages WHERE id = ? AND user = ? AND device = ?",
                    arguments: [id, address.user.rawValue, Int64(address.device)])
                deleted += db.changesCount
            }
            return deleted
        }
    }

    public func recordSignature(_ signature: [UInt8], expiresAt: Int64) async throws -> Bool {
        try await pool.write { db in
            try db.execute(
                sql: "INSERT INTO seen_signatures (signature, expires_at) VALUES (?, ?) ON CONFLICT DO NOTHING",
                arguments: [Data(signature), expiresAt])
            return db.changesCount == 1
        }
    }

    public func purgeExpired(messagesBefore: Int64, now: Int64) async throws {
        try await pool.write { db in
            try db.execute(sql: "DELETE FROM messages WHERE timestamp < ?", arguments: [messagesBefore])
            try db.execute(sql: "DELETE FROM seen_signatures WHERE expires_at < ?", arguments: [now])
        }
    }

    public func statistics() async throws -> StorageStatistics {
        try await pool.read { db in
            StorageStatistics(
                users: try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM accounts") ?? 0,
                devices: try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM devices") ?? 0,
                pendingMessages: try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM messages") ?? 0,
                oneTimePreKeys: try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM one_time_prekeys") ?? 0)
        }
    }

    // MARK: Row helpers

    private static func insert(_ device: DeviceRecord, user: UserID, db: Database) throws {
        try db.execute(
            sql: "INSERT INTO devices (user, id, identity_key, certificate) VALUES (?, ?, ?, ?)",
            arguments: [user.rawValue, Int64(device.id), Data(device.identityKey.rawRepresentation), Data(device.certificate)])
    }

    private static func deviceRecord(_ row: Row) throws -> DeviceRecord {
        let id: Int64 = row["id"]
        return DeviceRecord(
            id: UInt32(truncatingIfNeeded: id),
            identityKey: try Ed25519.PublicKey(rawRepresentation: bytes(row, "identity_key")),
            certificate: try bytes(row, "certificate"))
    }

    private static func bytes(_ row: Row, _ column: String) throws -> [UInt8] {
        guard let data: Data = row[column] else { throw SQLiteStorageError.corruptRow(column: column) }
        return Array(data)
    }

    private static func arguments(_ address: DeviceAddress) -> StatementArguments {
        [address.user.rawValue, Int64(address.device)]
    }

    private static func exists(_ db: Database, _ sql: String, _ arguments: StatementArguments) throws -> Bool {
        try Row.fetchOne(db, sql: sql, arguments: arguments) != nil
    }

    private static func count(_ db: Database, _ sql: String, _ address: DeviceAddress) throws -> Int {
        try Int.fetchOne(db, sql: sql, arguments: arguments(address)) ?? 0
    }
}

/// A stored row that does not hold what the schema promises (a backend failure: HTTP 500).
enum SQLiteStorageError: Error {
    case corruptRow(column: String)
}

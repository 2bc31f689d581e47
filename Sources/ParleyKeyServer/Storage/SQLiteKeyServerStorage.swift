import Foundation
import GRDB
import ParleyCrypto

/// ``KeyServerStorage`` in one SQLite file in WAL mode (GRDB `DatabasePool`): the default backend.
///
/// Every method is atomic: a read is one transaction, a write one savepoint in a write
/// transaction that GRDB opens with `BEGIN IMMEDIATE`, taking SQLite's write lock at once, so a
/// claim's select-then-delete of a one-time prekey cannot interleave with another claim, from this
/// storage or another one on the same file. Durability: WAL with `synchronous=NORMAL` (GRDB's
/// setting), so a committed transaction survives a crash of the process (`kill -9`); only a power
/// loss may take back the last commits.
///
/// Request signatures are not stored in the database: the replay cache is an
/// ``SQLiteProcessState`` (memory plus a journal file next to the database), which makes the
/// database one server process's (a second process cannot open it), which in turn lets device
/// identity keys be cached in memory (``IdentityKeyCache``). Statements are GRDB cached
/// statements (compiled once per connection); those of claims and sends are bound and read
/// through SQLite's C API (``SQLiteRawStatement``). The single-statement reads of signed routes
/// run on the caller's thread on read-only connections of their own (``SQLiteReaders``). Writes of
/// concurrent requests share transactions (``SQLiteWriteBatcher``: group commit, one savepoint per
/// write), and the WAL is checkpointed beside the writer (``SQLiteCheckpointer``).
public final class SQLiteKeyServerStorage: KeyServerStorage {
    private let pool: DatabasePool
    /// The single-statement reads of signed routes, run on the caller's thread.
    let readers: SQLiteReaders
    /// Every write of a request goes through here (group commit).
    let writes: SQLiteWriteBatcher
    /// Copies the WAL back beside the writer.
    private let checkpointer: SQLiteCheckpointer
    /// The replay cache and identity keys, shared with this process's other storages on the file.
    private let state: SQLiteProcessState

    /// Opens (creating if needed) the database at `path` and brings its schema up to date.
    /// - Parameters:
    ///   - path: the database file.
    ///   - limits: the replay window and the replay cache's bounds.
    /// - Throws: GRDB's errors when the file cannot be opened or migrated;
    ///   ``SQLiteStorageError/databaseInUse`` when another process has it open.
    public init(path: String, limits: ServerLimits = ServerLimits()) throws {
        // First, so that a second process stops before it touches the database.
        state = try SQLiteProcessState.shared(
            databasePath: path, limits: limits.replayCache, windowMilliseconds: limits.replayWindowMilliseconds)
        var configuration = Configuration()
        configuration.foreignKeysEnabled = true
        // Waiting writers retry for up to 5 s before failing.
        configuration.busyMode = .timeout(5)
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA wal_autocheckpoint = \(SQLiteCheckpointer.fallbackPages)")
        }
        pool = try DatabasePool(path: path, configuration: configuration)
        try SQLiteSchema.migrator().migrate(pool)
        writes = SQLiteWriteBatcher(pool: pool)
        readers = SQLiteReaders(path: path)
        checkpointer = try SQLiteCheckpointer(path: path)
    }

    /// Copies every commit from the WAL into the database file and closes all connections, so
    /// that after a clean stop the database file alone holds everything committed (a copy of
    /// just that file is a complete backup). Call it once the server has stopped taking requests;
    /// later calls of this storage throw.
    /// - Throws: GRDB's error when the checkpoint or a close fails (for example while a read is
    ///   still running); the storage may then be partly closed, and everything committed is still
    ///   in the database file or its WAL.
    public func close() async throws {
        readers.close()
        try await checkpointer.close()
        _ = try await pool.writeWithoutTransaction { db in try db.checkpoint(.truncate) }
        try pool.close()
    }

    public func createAccount(
        user: UserID, accountKey: Ed25519.PublicKey, device: DeviceRecord, deviceList: SignedDeviceList?
    ) async throws {
        try await writes.write { db in
            try db.execute(
                sql: "INSERT INTO accounts (user, account_key) VALUES (?, ?) ON CONFLICT DO NOTHING",
                arguments: [user.rawValue, Data(accountKey.rawRepresentation)])
            guard db.changesCount == 1 else { throw DirectoryError.userTaken }
            try Self.insert(device, user: user, db: db)
            if let deviceList { try Self.store(deviceList, db: db) }
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
            return AccountRecord(
                user: user, accountKey: accountKey, devices: devices, deviceList: try Self.deviceList(of: user, db: db))
        }
    }

    public func identityKey(of address: DeviceAddress) async throws -> Ed25519.PublicKey? {
        if let cached = state.identityKeys.key(of: address) { return cached }
        let generation = state.identityKeys.generation
        let key = try readers.read { connection in
            let select = try connection.statement("SELECT identity_key FROM devices WHERE user = ? AND id = ?")
            Self.bind(address, to: select)
            return try select.rows { try Ed25519.PublicKey(rawRepresentation: try Self.required($0.bytes(0), "identity_key")) }
                .first
        }
        if let key { state.identityKeys.store(key, for: address, ifGeneration: generation) }
        return key
    }

    public func addDevice(
        _ device: DeviceRecord, signedPreKey: SignedPreKeyRecord?, to user: UserID, deviceList: SignedDeviceList?,
        at timestamp: Int64
    ) async throws {
        try await writes.write { db in
            guard try Self.exists(db, "SELECT 1 FROM accounts WHERE user = ?", [user.rawValue]) else {
                throw DirectoryError.unknownUser
            }
            guard try !Self.exists(db, "SELECT 1 FROM devices WHERE user = ? AND id = ?", [user.rawValue, Int64(device.id)])
            else { throw DirectoryError.deviceTaken }
            guard
                try !Self.exists(
                    db, "SELECT 1 FROM removed_devices WHERE user = ? AND identity_key = ?",
                    [user.rawValue, Data(device.identityKey.rawRepresentation)])
            else { throw DirectoryError.deviceRemoved }
            try Self.insert(device, user: user, db: db)
            if let signedPreKey {
                try Self.update(signedPreKey, of: DeviceAddress(user: user, device: device.id), at: timestamp, db: db)
            }
            if let deviceList { try Self.replace(with: deviceList, db: db) }
        }
    }

    public func removeDevice(_ address: DeviceAddress) async throws {
        try await writes.write { db in
            // The tombstone first, from the row about to go: nothing is remembered for a device
            // that is not there.
            try db.execute(
                sql: """
                    INSERT INTO removed_devices (user, identity_key)
                        SELECT user, identity_key FROM devices WHERE user = ? AND id = ? ON CONFLICT DO NOTHING
                    """,
                arguments: Self.arguments(address))
            // Prekeys and messages go with it (ON DELETE CASCADE).
            try db.execute(
                sql: "DELETE FROM devices WHERE user = ? AND id = ?", arguments: Self.arguments(address))
            guard db.changesCount == 1 else { throw DirectoryError.unknownDevice }
            // The last device takes the account with it: the user id is free again.
            try db.execute(
                sql: "DELETE FROM accounts WHERE user = ? AND NOT EXISTS (SELECT 1 FROM devices WHERE user = ?)",
                arguments: [address.user.rawValue, address.user.rawValue])
        }
        // After the commit: from here on the device's requests fail authentication.
        state.identityKeys.invalidate(address)
    }

    public func setDeviceList(_ list: SignedDeviceList, signedBy accountKey: Ed25519.PublicKey) async throws {
        try await writes.write { db in
            guard
                try Self.exists(
                    db, "SELECT 1 FROM accounts WHERE user = ? AND account_key = ?",
                    [list.user.rawValue, Data(accountKey.rawRepresentation)])
            else { throw DirectoryError.unknownUser }
            try Self.replace(with: list, db: db)
        }
    }

    /// Checks `list` against the stored one and the registered devices, then stores it.
    private static func replace(with list: SignedDeviceList, db: Database) throws {
        let stored = try Int64.fetchOne(
            db, sql: "SELECT version FROM device_lists WHERE user = ?", arguments: [list.user.rawValue])
        try DeviceListRules.check(list, storedVersion: stored.map { UInt64(clamping: $0) }) { id in
            try Data.fetchOne(
                db, sql: "SELECT identity_key FROM devices WHERE user = ? AND id = ?",
                arguments: [list.user.rawValue, Int64(id)]
            ).flatMap { try? Ed25519.PublicKey(rawRepresentation: Array($0)) }
        }
        try store(list, db: db)
    }

    private static func store(_ list: SignedDeviceList, db: Database) throws {
        try db.execute(
            sql: """
                INSERT INTO device_lists (user, version, devices, signature) VALUES (?, ?, ?, ?)
                    ON CONFLICT (user) DO UPDATE SET
                        version = excluded.version, devices = excluded.devices, signature = excluded.signature
                """,
            arguments: [
                list.user.rawValue, Int64(list.version), Data(DeviceListRules.storedDevices(list)), Data(list.signature),
            ])
    }

    private static func deviceList(of user: UserID, db: Database) throws -> SignedDeviceList? {
        guard
            let row = try Row.fetchOne(
                db, sql: "SELECT version, devices, signature FROM device_lists WHERE user = ?", arguments: [user.rawValue])
        else { return nil }
        guard
            let list = DeviceListRules.storedList(
                user: user, version: row["version"], devices: try bytes(row, "devices"), signature: try bytes(row, "signature"))
        else { throw SQLiteStorageError.corruptRow(column: "device_lists") }
        return list
    }

    public func setSignedPreKey(_ signedPreKey: SignedPreKeyRecord, for address: DeviceAddress, at timestamp: Int64)
        async throws
    {
        try await writes.write { db in try Self.update(signedPreKey, of: address, at: timestamp, db: db) }
    }

    public func addOneTimePreKeys(_ keys: [X25519.PublicKey], for address: DeviceAddress, limit: Int) async throws
        -> Int
    {
        try await writes.write { db in
            guard try Self.exists(db, "SELECT 1 FROM devices WHERE user = ? AND id = ?", Self.arguments(address)) else {
                throw DirectoryError.unknownDevice
            }
            let insert = try db.cachedStatement(
                sql: "INSERT INTO one_time_prekeys (user, device, key) VALUES (?, ?, ?) ON CONFLICT DO NOTHING")
            for key in keys {
                try insert.execute(arguments: [address.user.rawValue, Int64(address.device), Data(key.rawRepresentation)])
            }
            let held = try Self.count(db, "SELECT COUNT(*) FROM one_time_prekeys WHERE user = ? AND device = ?", address)
            // Throwing rolls the inserts back: nothing is stored when the limit would be passed.
            guard held <= limit else { throw DirectoryError.preKeyLimit(limit: limit) }
            return held
        }
    }

    public func oneTimePreKeyCount(for address: DeviceAddress) async throws -> Int {
        try readers.read { connection in
            let count = try connection.statement("SELECT COUNT(*) FROM one_time_prekeys WHERE user = ? AND device = ?")
            Self.bind(address, to: count)
            return Int(try count.rows { $0.int64(0) }.first ?? 0)
        }
    }

    public func recordSignature(
        _ signature: [UInt8], by signer: DeviceAddress, registering: Bool, expiresAt: Int64, now: Int64
    ) throws
        -> Bool
    {
        try state.record(signature, quota: registering ? .registering(signer) : .device(signer), expiresAt: expiresAt, now: now)
    }

    public func purgeExpired(messagesBefore: Int64, now: Int64) async throws {
        state.prune(now: now)
        try await pool.write { db in
            try db.execute(sql: "DELETE FROM messages WHERE timestamp < ?", arguments: [messagesBefore])
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

    /// Sets the device's signed prekey.
    /// - Throws: ``DirectoryError/unknownDevice`` when no such device is stored.
    private static func update(_ signedPreKey: SignedPreKeyRecord, of address: DeviceAddress, at timestamp: Int64, db: Database)
        throws
    {
        try db.execute(
            sql: """
                UPDATE devices SET signed_prekey = ?, signed_prekey_signature = ?, signed_prekey_at = ?
                WHERE user = ? AND id = ?
                """,
            arguments: [
                Data(signedPreKey.key.rawRepresentation), Data(signedPreKey.signature), timestamp, address.user.rawValue,
                Int64(address.device),
            ])
        guard db.changesCount == 1 else { throw DirectoryError.unknownDevice }
    }

    private static func deviceRecord(_ row: Row) throws -> DeviceRecord {
        let id: Int64 = row["id"]
        return DeviceRecord(
            id: UInt32(truncatingIfNeeded: id),
            identityKey: try Ed25519.PublicKey(rawRepresentation: bytes(row, "identity_key")),
            certificate: try bytes(row, "certificate"))
    }

    /// A column the schema declares NOT NULL; a NULL is a corrupt row.
    static func required<Value>(_ value: Value?, _ column: String) throws -> Value {
        guard let value else { throw SQLiteStorageError.corruptRow(column: column) }
        return value
    }

    private static func bytes(_ row: Row, _ column: String) throws -> [UInt8] {
        guard let data: Data = row[column] else { throw SQLiteStorageError.corruptRow(column: column) }
        return Array(data)
    }

    /// Binds the device's user and id to parameters 1 and 2.
    static func bind(_ address: DeviceAddress, to statement: SQLiteRawStatement) {
        statement.bind(1, address.user.rawValue)
        statement.bind(2, Int64(address.device))
    }

    private static func arguments(_ address: DeviceAddress) -> StatementArguments {
        [address.user.rawValue, Int64(address.device)]
    }

    /// The first row of a cached statement (compiled once per connection).
    private static func fetchOne(_ db: Database, _ sql: String, _ arguments: StatementArguments) throws -> Row? {
        try Row.fetchOne(db.cachedStatement(sql: sql), arguments: arguments)
    }

    static func exists(_ db: Database, _ sql: String, _ arguments: StatementArguments) throws -> Bool {
        try fetchOne(db, sql, arguments) != nil
    }

    private static func count(_ db: Database, _ sql: String, _ address: DeviceAddress) throws -> Int {
        try Int.fetchOne(db.cachedStatement(sql: sql), arguments: arguments(address)) ?? 0
    }
}

/// Failures of ``SQLiteKeyServerStorage`` that are not GRDB's.
public enum SQLiteStorageError: Error, Equatable, CustomStringConvertible {
    /// A stored row does not hold what the schema promises (a backend failure: HTTP 500).
    case corruptRow(column: String)
    /// Another server process holds the database (one process per SQLite database).
    case databaseInUse
    /// A write of a batch did not run, because the batch's transaction had ended (HTTP 500).
    case batchNotRun
    /// The storage was closed (``SQLiteKeyServerStorage/close()``).
    case closed

    /// A sentence for the operator.
    public var description: String {
        switch self {
        case .corruptRow(let column): "A stored row has an invalid \(column)."
        case .databaseInUse: "The SQLite database is in use by another parley-server process (one process per database)."
        case .batchNotRun: "A write was not run: its transaction had ended."
        case .closed: "The SQLite storage is closed."
        }
    }
}

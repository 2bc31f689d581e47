import Logging
import ParleyCrypto
import PostgresNIO

/// ``KeyServerStorage`` on PostgreSQL (postgres-nio): for several `parley-server` processes that
/// share one database and act as one service.
///
/// Every method is one transaction on one pooled connection (READ COMMITTED). Where a check and a
/// write must not interleave with another process, a row lock does it:
/// - a claim deletes each one-time prekey with `DELETE … WHERE seq = (SELECT … FOR UPDATE SKIP
///   LOCKED) RETURNING key`, so concurrent claims (from any process) lock and delete different rows
///   and none is handed out twice;
/// - uploads lock the device row (`FOR NO KEY UPDATE`) so the held-keys limit holds;
/// - sends lock each recipient device row, in a fixed order (no deadlock), so the mailbox limit
///   and the per-sender quota hold and ids are taken in commit order per recipient (order per
///   sender device is kept).
///
/// Each stored message sends `NOTIFY channel, 'user/device'` in the same transaction, for
/// ``PostgresMailboxNotifications`` in other processes.
///
/// The connection pool runs only inside ``withRunning(_:)``; call every other method from its body.
public final class PostgresKeyServerStorage: KeyServerStorage {
    let client: PostgresClient
    /// Where it connects (the notification listener uses the same).
    let configuration: PostgresStorageConfiguration
    /// postgres-nio's per-query logger: kept quiet, since its messages can carry SQL text; our own
    /// logs name error types only (never bodies or keys).
    let queryLogger: Logger

    /// Creates the storage; nothing connects until ``withRunning(_:)``.
    /// - Parameters:
    ///   - configuration: where to connect.
    ///   - logger: background logger of the connection pool (connection errors, not queries).
    public init(configuration: PostgresStorageConfiguration, logger: Logger = Logger(label: "parley-server.postgres")) {
        self.configuration = configuration
        var quiet = logger
        quiet.logLevel = .critical
        queryLogger = quiet
        client = PostgresClient(configuration: Self.clientConfiguration(configuration), backgroundLogger: quiet)
    }

    /// Runs the connection pool, creates the schema (idempotent), runs `body`, then closes the pool.
    ///
    /// Start-up has two bounded waits, both from ``configuration``: for the database to answer
    /// (``PostgresStorageConfiguration/startupTimeoutSeconds``), then for the schema lock that
    /// servers starting together take in turn (``PostgresStorageConfiguration/schemaLockTimeoutSeconds``,
    /// enforced by PostgreSQL's own `lock_timeout`, so that giving up rolls the transaction back
    /// cleanly instead of abandoning it mid-query).
    /// - Parameter body: everything that uses the storage.
    /// - Returns: what `body` returns.
    /// - Throws: ``PostgresStorageError/unreachable(seconds:)``,
    ///   ``PostgresStorageError/schemaLockTimedOut(seconds:)``, schema errors, and what `body` throws.
    public func withRunning<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        try await withThrowingTaskGroup(of: T?.self) { group in
            let client = self.client
            group.addTask {
                await client.run()
                return nil
            }
            defer { group.cancelAll() }
            try await waitUntilReachable()
            try await createSchema()
            return try await body()
        }
    }

    /// Returns once a pooled connection answers `SELECT 1`; throws
    /// ``PostgresStorageError/unreachable(seconds:)`` after the configured start-up timeout.
    /// Nothing here is inside a transaction, so abandoning the wait leaves no state behind.
    private func waitUntilReachable() async throws {
        let seconds = max(1, configuration.startupTimeoutSeconds)
        let client = self.client
        let logger = queryLogger
        try await withThrowingTaskGroup(of: Bool.self) { group in
            group.addTask {
                _ = try await client.withConnection { try await $0.query("SELECT 1", logger: logger).collect() }
                return true
            }
            group.addTask {
                try await Task.sleep(for: .seconds(seconds))
                return false
            }
            defer { group.cancelAll() }
            guard try await group.next() == true else { throw PostgresStorageError.unreachable(seconds: seconds) }
        }
    }

    /// Creates the schema (and the configured namespace) if missing; safe to run from several
    /// processes at once: they take a transaction-scoped advisory lock in turn, waiting at most
    /// the configured schema lock timeout (a PostgreSQL `lock_timeout`, so the wait ends with an
    /// error that rolls the transaction back, never with an abandoned query).
    func createSchema() async throws {
        let seconds = max(1, configuration.schemaLockTimeoutSeconds)
        do {
            try await transaction { connection in
                // The pool's 30 s statement timeout and 10 s lock timeout are for requests; the
                // schema lock may be held in turn by several starting servers.
                _ = try await connection.query(
                    "SELECT set_config('lock_timeout', \("\(seconds)s"), true), set_config('statement_timeout', \("\(seconds + 60)s"), true)",
                    logger: queryLogger
                ).collect()
                // Collected: an error that arrives after the row description (a lock timeout)
                // would otherwise be dropped with the unread rows.
                _ = try await connection.query(
                    "SELECT pg_advisory_xact_lock(\(PostgresSchema.advisoryLock))", logger: queryLogger
                ).collect()
                if let schema = configuration.schema {
                    // `schema` is a checked plain identifier (PostgresStorageConfiguration.isIdentifier).
                    try await connection.query("CREATE SCHEMA IF NOT EXISTS \(unescaped: schema)", logger: queryLogger)
                }
                for statement in PostgresSchema.statements {
                    try await connection.query(statement, logger: queryLogger)
                }
            }
        } catch let error as PSQLError where Self.isLockTimeout(error) {
            throw PostgresStorageError.schemaLockTimedOut(seconds: seconds)
        }
    }

    /// Whether PostgreSQL ended the statement for waiting too long on a lock (`55P03`
    /// lock_not_available) or for running past its statement timeout (`57014` query_canceled).
    private static func isLockTimeout(_ error: PSQLError) -> Bool {
        guard let state = error.serverInfo?[.sqlState] else { return false }
        return state == "55P03" || state == "57014"
    }

    // MARK: Directory

    public func createAccount(
        user: UserID, accountKey: Ed25519.PublicKey, device: DeviceRecord, deviceList: SignedDeviceList?
    ) async throws {
        try await transaction { connection in
            let inserted = try await connection.query(
                """
                INSERT INTO accounts (user_id, account_key) VALUES (\(user.rawValue), \(Self.buffer(accountKey.rawRepresentation)))
                ON CONFLICT DO NOTHING RETURNING 1
                """, logger: queryLogger
            ).collect()
            guard inserted.count == 1 else { throw DirectoryError.userTaken }
            try await insert(device, user: user, connection: connection)
            if let deviceList { try await store(deviceList, connection: connection) }
        }
    }

    public func account(_ user: UserID) async throws -> AccountRecord? {
        try await transaction { connection in
            let accounts = try await connection.query(
                "SELECT account_key FROM accounts WHERE user_id = \(user.rawValue)", logger: queryLogger
            ).collect()
            guard let row = accounts.first else { return nil }
            let accountKey = try Ed25519.PublicKey(rawRepresentation: Self.bytes(row.decode(ByteBuffer.self)))
            let devices = try await connection.query(
                "SELECT id, identity_key, certificate FROM devices WHERE user_id = \(user.rawValue) ORDER BY id",
                logger: queryLogger
            ).collect().map(Self.deviceRecord)
            return AccountRecord(
                user: user, accountKey: accountKey, devices: devices,
                deviceList: try await deviceList(of: user, connection: connection))
        }
    }

    public func identityKey(of address: DeviceAddress) async throws -> Ed25519.PublicKey? {
        let rows = try await client.query(
            "SELECT identity_key FROM devices WHERE user_id = \(address.user.rawValue) AND id = \(Int64(address.device))",
            logger: queryLogger
        ).collect()
        return try rows.first.map { try Ed25519.PublicKey(rawRepresentation: Self.bytes($0.decode(ByteBuffer.self))) }
    }

    public func addDevice(
        _ device: DeviceRecord, signedPreKey: SignedPreKeyRecord?, to user: UserID, deviceList: SignedDeviceList?,
        at timestamp: Int64
    ) async throws {
        try await transaction { connection in
            // A new device list is compared with the stored one: the account row is locked for
            // that, so that two lists cannot both pass against the same stored version.
            let account = try await connection.query(
                deviceList == nil
                    ? "SELECT 1 FROM accounts WHERE user_id = \(user.rawValue) FOR KEY SHARE"
                    : "SELECT 1 FROM accounts WHERE user_id = \(user.rawValue) FOR UPDATE", logger: queryLogger
            ).collect()
            guard !account.isEmpty else { throw DirectoryError.unknownUser }
            let removed = try await connection.query(
                """
                SELECT 1 FROM removed_devices
                WHERE user_id = \(user.rawValue) AND identity_key = \(Self.buffer(device.identityKey.rawRepresentation))
                """, logger: queryLogger
            ).collect()
            let inserted = try await connection.query(
                """
                INSERT INTO devices
                    (user_id, id, identity_key, certificate, signed_prekey, signed_prekey_signature, signed_prekey_at)
                VALUES (\(user.rawValue), \(Int64(device.id)), \(Self.buffer(device.identityKey.rawRepresentation)),
                        \(Self.buffer(device.certificate)), \(signedPreKey.map { Self.buffer($0.key.rawRepresentation) }),
                        \(signedPreKey.map { Self.buffer($0.signature) }), \(signedPreKey.map { _ in timestamp }))
                ON CONFLICT DO NOTHING RETURNING 1
                """, logger: queryLogger
            ).collect()
            guard inserted.count == 1 else { throw DirectoryError.deviceTaken }
            // Checked after the id (as the other storages do), before anything is committed.
            guard removed.isEmpty else { throw DirectoryError.deviceRemoved }
            if let deviceList { try await replace(with: deviceList, connection: connection) }
        }
    }

    public func removeDevice(_ address: DeviceAddress) async throws {
        try await transaction { connection in
            // The account row is locked first, so that two removals of a user's last devices
            // cannot both see the other device and leave an account without devices.
            _ = try await connection.query(
                "SELECT 1 FROM accounts WHERE user_id = \(address.user.rawValue) FOR UPDATE", logger: queryLogger
            ).collect()
            // Prekeys and messages go with it (ON DELETE CASCADE); its identity key stays
            // remembered as removed.
            let deleted = try await connection.query(
                """
                DELETE FROM devices WHERE user_id = \(address.user.rawValue) AND id = \(Int64(address.device))
                RETURNING identity_key
                """, logger: queryLogger
            ).collect()
            guard let row = deleted.first, deleted.count == 1 else { throw DirectoryError.unknownDevice }
            _ = try await connection.query(
                """
                INSERT INTO removed_devices (user_id, identity_key)
                VALUES (\(address.user.rawValue), \(try row.decode(ByteBuffer.self))) ON CONFLICT DO NOTHING
                """, logger: queryLogger
            ).collect()
            // The last device takes the account with it: the user id is free again.
            _ = try await connection.query(
                """
                DELETE FROM accounts WHERE user_id = \(address.user.rawValue)
                    AND NOT EXISTS (SELECT 1 FROM devices WHERE user_id = \(address.user.rawValue))
                """, logger: queryLogger
            ).collect()
            // With the commit: every process's relay ends the device's open streams.
            _ = try await connection.query(
                "SELECT pg_notify(\(configuration.notificationChannel), \(address.description))", logger: queryLogger
            ).collect()
        }
    }

    public func setDeviceList(_ list: SignedDeviceList, signedBy accountKey: Ed25519.PublicKey) async throws {
        try await transaction { connection in
            let account = try await connection.query(
                """
                SELECT 1 FROM accounts
                WHERE user_id = \(list.user.rawValue) AND account_key = \(Self.buffer(accountKey.rawRepresentation))
                FOR UPDATE
                """, logger: queryLogger
            ).collect()
            guard !account.isEmpty else { throw DirectoryError.unknownUser }
            try await replace(with: list, connection: connection)
        }
    }

    /// Checks `list` against the stored one and the registered devices, then stores it; the
    /// caller holds the account row's lock.
    private func replace(with list: SignedDeviceList, connection: PostgresConnection) async throws {
        let stored = try await connection.query(
            "SELECT version FROM device_lists WHERE user_id = \(list.user.rawValue)", logger: queryLogger
        ).collect().first.map { UInt64(clamping: try $0.decode(Int64.self)) }
        let registered = try await connection.query(
            "SELECT id, identity_key FROM devices WHERE user_id = \(list.user.rawValue)", logger: queryLogger
        ).collect()
        var keys: [UInt32: Ed25519.PublicKey] = [:]
        for row in registered {
            let (id, key) = try row.decode((Int64, ByteBuffer).self)
            keys[UInt32(truncatingIfNeeded: id)] = try Ed25519.PublicKey(rawRepresentation: Self.bytes(key))
        }
        try DeviceListRules.check(list, storedVersion: stored) { keys[$0] }
        try await store(list, connection: connection)
    }

    private func store(_ list: SignedDeviceList, connection: PostgresConnection) async throws {
        _ = try await connection.query(
            """
            INSERT INTO device_lists (user_id, version, devices, signature)
            VALUES (\(list.user.rawValue), \(Int64(list.version)), \(Self.buffer(DeviceListRules.storedDevices(list))),
                    \(Self.buffer(list.signature)))
            ON CONFLICT (user_id) DO UPDATE SET
                version = EXCLUDED.version, devices = EXCLUDED.devices, signature = EXCLUDED.signature
            """, logger: queryLogger
        ).collect()
    }

    private func deviceList(of user: UserID, connection: PostgresConnection) async throws -> SignedDeviceList? {
        let rows = try await connection.query(
            "SELECT version, devices, signature FROM device_lists WHERE user_id = \(user.rawValue)", logger: queryLogger
        ).collect()
        guard let row = rows.first else { return nil }
        let (version, devices, signature) = try row.decode((Int64, ByteBuffer, ByteBuffer).self)
        guard
            let list = DeviceListRules.storedList(
                user: user, version: version, devices: Self.bytes(devices), signature: Self.bytes(signature))
        else { throw PostgresStorageError.corruptRow(column: "device_lists") }
        return list
    }

    public func setSignedPreKey(_ signedPreKey: SignedPreKeyRecord, for address: DeviceAddress, at timestamp: Int64)
        async throws
    {
        try await transaction { connection in
            let updated = try await connection.query(
                """
                UPDATE devices SET signed_prekey = \(Self.buffer(signedPreKey.key.rawRepresentation)),
                    signed_prekey_signature = \(Self.buffer(signedPreKey.signature)), signed_prekey_at = \(timestamp)
                WHERE user_id = \(address.user.rawValue) AND id = \(Int64(address.device)) RETURNING 1
                """, logger: queryLogger
            ).collect()
            guard updated.count == 1 else { throw DirectoryError.unknownDevice }
        }
    }

    public func addOneTimePreKeys(_ keys: [X25519.PublicKey], for address: DeviceAddress, limit: Int) async throws
        -> Int
    {
        try await transaction { connection in
            // The device row lock serialises uploads of one device, so the limit check below holds.
            guard try await lockDevice(address, connection: connection) else { throw DirectoryError.unknownDevice }
            if !keys.isEmpty {
                let buffers = keys.map { Self.buffer($0.rawRepresentation) }
                try await connection.query(
                    """
                    INSERT INTO one_time_prekeys (user_id, device, key)
                    SELECT \(address.user.rawValue), \(Int64(address.device)), k
                    FROM unnest(\(buffers)::bytea[]) WITH ORDINALITY AS t(k, n) ORDER BY n
                    ON CONFLICT DO NOTHING
                    """, logger: queryLogger)
            }
            let held = try await oneTimePreKeyCount(for: address, connection: connection)
            // Throwing rolls the inserts back: nothing is stored when the limit would be passed.
            guard held <= limit else { throw DirectoryError.preKeyLimit(limit: limit) }
            return held
        }
    }

    public func oneTimePreKeyCount(for address: DeviceAddress) async throws -> Int {
        try await client.withConnection { connection in
            try await oneTimePreKeyCount(for: address, connection: connection)
        }
    }

    // MARK: Maintenance

    public func recordSignature(
        _ signature: [UInt8], by signer: DeviceAddress, registering: Bool, expiresAt: Int64, now: Int64
    ) async throws
        -> Bool
    {
        // A record past its expiry is still a replay: the timestamp check rejects those anyway.
        let inserted = try await client.query(
            """
            INSERT INTO seen_signatures (signature, expires_at) VALUES (\(Self.buffer(signature)), \(expiresAt))
            ON CONFLICT DO NOTHING RETURNING 1
            """, logger: queryLogger
        ).collect()
        return inserted.count == 1
    }

    public func purgeExpired(messagesBefore: Int64, now: Int64) async throws {
        try await transaction { connection in
            try await connection.query("DELETE FROM messages WHERE timestamp < \(messagesBefore)", logger: queryLogger)
            try await connection.query("DELETE FROM seen_signatures WHERE expires_at < \(now)", logger: queryLogger)
        }
    }

    public func statistics() async throws -> StorageStatistics {
        let rows = try await client.query(
            """
            SELECT (SELECT COUNT(*) FROM accounts), (SELECT COUNT(*) FROM devices),
                   (SELECT COUNT(*) FROM messages), (SELECT COUNT(*) FROM one_time_prekeys)
            """, logger: queryLogger
        ).collect()
        guard let row = rows.first else { throw PostgresStorageError.corruptRow(column: "count") }
        let (users, devices, messages, keys) = try row.decode((Int64, Int64, Int64, Int64).self)
        return StorageStatistics(
            users: Int(users), devices: Int(devices), pendingMessages: Int(messages), oneTimePreKeys: Int(keys))
    }

    // MARK: Helpers

    /// Runs `body` between BEGIN and COMMIT on one connection; rolls back and rethrows its error
    /// unchanged (so a ``DirectoryError`` reaches the routes as itself).
    func transaction<T: Sendable>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        try await client.withConnection { connection in
            try await connection.query("BEGIN", logger: queryLogger)
            do {
                let value = try await body(connection)
                try await connection.query("COMMIT", logger: queryLogger)
                return value
            } catch {
                // A connection whose ROLLBACK fails is closed, so the pool never hands out a
                // connection still inside an aborted transaction.
                do {
                    try await connection.query("ROLLBACK", logger: queryLogger)
                } catch {
                    try? await connection.close()
                }
                throw error
            }
        }
    }

    /// Locks the device's row for this transaction; false if there is no such device.
    func lockDevice(_ address: DeviceAddress, connection: PostgresConnection) async throws -> Bool {
        try await !connection.query(
            """
            SELECT 1 FROM devices WHERE user_id = \(address.user.rawValue) AND id = \(Int64(address.device))
            FOR NO KEY UPDATE
            """, logger: queryLogger
        ).collect().isEmpty
    }

    private func oneTimePreKeyCount(for address: DeviceAddress, connection: PostgresConnection) async throws -> Int {
        try await count(
            """
            SELECT COUNT(*) FROM one_time_prekeys
            WHERE user_id = \(address.user.rawValue) AND device = \(Int64(address.device))
            """, connection: connection)
    }

    func count(_ query: PostgresQuery, connection: PostgresConnection) async throws -> Int {
        let rows = try await connection.query(query, logger: queryLogger).collect()
        guard let row = rows.first else { throw PostgresStorageError.corruptRow(column: "count") }
        return Int(try row.decode(Int64.self))
    }

    private func insert(_ device: DeviceRecord, user: UserID, connection: PostgresConnection) async throws {
        try await connection.query(
            """
            INSERT INTO devices (user_id, id, identity_key, certificate)
            VALUES (\(user.rawValue), \(Int64(device.id)), \(Self.buffer(device.identityKey.rawRepresentation)),
                    \(Self.buffer(device.certificate)))
            """, logger: queryLogger)
    }

    /// A `(id, identity_key, certificate, …)` row as a device record.
    static func deviceRecord(_ row: PostgresRow) throws -> DeviceRecord {
        var cells = row.makeIterator()
        guard let idCell = cells.next(), let keyCell = cells.next(), let certificateCell = cells.next() else {
            throw PostgresStorageError.corruptRow(column: "devices")
        }
        return DeviceRecord(
            id: UInt32(truncatingIfNeeded: try idCell.decode(Int64.self)),
            identityKey: try Ed25519.PublicKey(rawRepresentation: bytes(keyCell.decode(ByteBuffer.self))),
            certificate: bytes(try certificateCell.decode(ByteBuffer.self)))
    }

    static func buffer(_ bytes: [UInt8]) -> ByteBuffer { ByteBuffer(bytes: bytes) }

    static func bytes(_ buffer: ByteBuffer) -> [UInt8] { Array(buffer.readableBytesView) }

    private static func clientConfiguration(_ configuration: PostgresStorageConfiguration) -> PostgresClient.Configuration {
        let tls: PostgresClient.Configuration.TLS
        switch configuration.tls {
        case .disable: tls = .disable
        case .prefer: tls = .prefer(.makeClientConfiguration())
        case .require: tls = .require(.makeClientConfiguration())
        }
        var client = PostgresClient.Configuration(
            host: configuration.host, port: configuration.port, username: configuration.username,
            password: configuration.password, database: configuration.database, tls: tls)
        client.options.maximumConnections = configuration.maximumConnections
        // No statement waits forever on a lock or runs away (a claim or send is milliseconds).
        client.options.additionalStartupParameters = [("statement_timeout", "30s"), ("lock_timeout", "10s")]
        if let schema = configuration.schema {
            // Every pooled connection resolves the unqualified table names in this schema only.
            client.options.additionalStartupParameters.append(("search_path", schema))
        }
        return client
    }
}

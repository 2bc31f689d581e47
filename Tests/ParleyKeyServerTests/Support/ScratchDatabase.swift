import Foundation
import Logging
import PostgresNIO

@testable import ParleyKeyServer

/// A database of its own on the test PostgreSQL server, dropped afterwards. Start-up tests need
/// one: advisory locks and the `public` schema belong to a database, so a test that holds the
/// schema lock there blocks nobody else's storages.
struct ScratchDatabase {
    /// Where a storage connects (the `public` schema of the scratch database).
    let configuration: PostgresStorageConfiguration

    /// `--database` for a `parley-server` process.
    var url: String {
        "postgres://\(configuration.username)@\(configuration.host):\(configuration.port)/\(configuration.database)?sslmode=disable"
    }

    /// Runs `body` with a new, empty database; drops it afterwards (also when `body` throws).
    static func with<T: Sendable>(_ body: (ScratchDatabase) async throws -> T) async throws -> T {
        guard let url = Backend.postgresURL else { throw PostgresTestError.noServer }
        let server = try PostgresStorageConfiguration(url: url)
        let name = "p_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        try await SQLConnection.with(server) { connection in
            try await connection.run("CREATE DATABASE \(unescaped: name)")
        }
        var configuration = server
        configuration.database = name
        let result: Result<T, any Error>
        do {
            result = .success(try await body(ScratchDatabase(configuration: configuration)))
        } catch {
            result = .failure(error)
        }
        try await SQLConnection.with(server) { connection in
            try await connection.run("DROP DATABASE IF EXISTS \(unescaped: name) WITH (FORCE)")
        }
        return try result.get()
    }
}

/// One plain PostgresNIO connection (no pool), for what a test does beside the storages.
struct SQLConnection {
    let connection: PostgresConnection
    private static let logger = Logger(label: "parley-tests.postgres")

    /// Connects to `configuration`'s database, runs `body`, closes.
    static func with<T: Sendable>(_ configuration: PostgresStorageConfiguration, _ body: (SQLConnection) async throws -> T)
        async throws -> T
    {
        let connection = try await PostgresConnection.connect(
            configuration: PostgresConnection.Configuration(
                host: configuration.host, port: configuration.port, username: configuration.username,
                password: configuration.password, database: configuration.database, tls: .disable),
            id: 1, logger: logger)
        do {
            let value = try await body(SQLConnection(connection: connection))
            try await connection.close()
            return value
        } catch {
            try? await connection.close()
            throw error
        }
    }

    /// Runs `query`, reading every row (so that an error after the row description is seen).
    func run(_ query: PostgresQuery) async throws {
        _ = try await connection.query(query, logger: Self.logger).collect()
    }

    /// The first column of the first row as an integer.
    func integer(_ query: PostgresQuery) async throws -> Int64 {
        let rows = try await connection.query(query, logger: Self.logger).collect()
        return try rows.first?.decode(Int64.self) ?? 0
    }
}

extension SQLConnection {
    /// Opens a transaction and takes the storages' schema lock in it (released by ``commit()``).
    func holdSchemaLock() async throws {
        try await run("BEGIN")
        try await run("SELECT pg_advisory_xact_lock(\(PostgresSchema.advisoryLock))")
    }

    func commit() async throws { try await run("COMMIT") }

    /// Returns once at least `count` sessions wait for an advisory lock in this database
    /// (polled every 20 ms, at most `limit`).
    /// - Returns: whether they did.
    func waitForLockWaiters(_ count: Int, within limit: Duration = .seconds(120)) async throws -> Bool {
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline {
            let waiting = try await integer(
                """
                SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted
                    AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
                """)
            if waiting >= count { return true }
            try await Task.sleep(for: .milliseconds(20))
        }
        return false
    }
}

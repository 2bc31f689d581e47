import Foundation
import ParleyKeyServer

/// The storage backends every behaviour test runs against.
enum Backend: String, CaseIterable, Sendable {
    case memory
    case sqlite
    /// Only when `PARLEY_TEST_POSTGRES_URL` names a server (`make test` starts one).
    case postgres

    /// Environment variable with the URL of a PostgreSQL server the tests may create schemas in.
    static let postgresURLVariable = "PARLEY_TEST_POSTGRES_URL"

    /// The backends to test: PostgreSQL only when a server is given. Without one its cases are
    /// absent (not skipped-and-passed); `PostgresCoverageTests` fails in CI when that happens.
    static var allCases: [Backend] {
        postgresURL == nil ? [.memory, .sqlite] : [.memory, .sqlite, .postgres]
    }

    /// The test server's URL, if set and non-empty.
    static var postgresURL: String? {
        guard let url = ProcessInfo.processInfo.environment[postgresURLVariable], !url.isEmpty else { return nil }
        return url
    }

    /// Runs `body` with a fresh, empty storage: SQLite in a new temporary directory, PostgreSQL in a
    /// new schema of the test database (its pool runs only for the duration of `body`).
    func withStorage<T: Sendable>(_ body: (any KeyServerStorage) async throws -> T) async throws -> T {
        switch self {
        case .memory:
            return try await body(MemoryKeyServerStorage())
        case .sqlite:
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
                "parley-server-tests-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: directory) }
            return try await body(try SQLiteKeyServerStorage(path: directory.appendingPathComponent("server.sqlite").path))
        case .postgres:
            let storage = PostgresKeyServerStorage(configuration: try Self.postgresConfiguration(schema: Self.freshSchema()))
            return try await Self.detailingPostgresErrors { try await storage.withRunning { try await body(storage) } }
        }
    }

    /// The test server's configuration with its own schema (and notification channel).
    static func postgresConfiguration(schema: String) throws -> PostgresStorageConfiguration {
        guard let url = postgresURL else { throw PostgresTestError.noServer }
        return try PostgresStorageConfiguration(url: url).inSchema(schema)
    }

    /// A new schema name, unique per storage.
    static func freshSchema() -> String {
        "t_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
    }
}

enum PostgresTestError: Error {
    case noServer
    /// A PostgresNIO error with the details its `description` hides (test servers hold no secrets).
    case detailed(String)
}

extension Backend {
    /// Runs `body`, replacing a PostgresNIO error by one whose description says what happened,
    /// so that a failing test names the server's answer.
    static func detailingPostgresErrors<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch {
            guard String(describing: type(of: error)) == "PSQLError" else { throw error }
            throw PostgresTestError.detailed(String(reflecting: error))
        }
    }
}

extension Backend {
    /// Backends whose storage several server instances can share (one SQLite file, one
    /// PostgreSQL schema).
    static var sharedCases: [Backend] { allCases.filter { $0 != .memory } }

    /// Runs `body` with `count` storage instances on one fresh database (for `.memory`, one
    /// instance repeated: it cannot be shared).
    func withSharedStorages<T: Sendable>(_ count: Int, _ body: ([any KeyServerStorage]) async throws -> T) async throws -> T {
        switch self {
        case .memory:
            let storage = MemoryKeyServerStorage()
            return try await body(Array(repeating: storage, count: count))
        case .sqlite:
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
                "parley-server-tests-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: directory) }
            let path = directory.appendingPathComponent("server.sqlite").path
            let storages: [any KeyServerStorage] = try (0..<count).map { _ in try SQLiteKeyServerStorage(path: path) }
            return try await body(storages)
        case .postgres:
            let configuration = try Self.postgresConfiguration(schema: Self.freshSchema())
            let storages = (0..<count).map { _ in PostgresKeyServerStorage(configuration: configuration) }
            return try await Self.detailingPostgresErrors {
                try await Self.running(storages[...], body: { try await body(storages) })
            }
        }
    }

    /// Runs every storage's pool around `body`.
    private static func running<T: Sendable>(
        _ storages: ArraySlice<PostgresKeyServerStorage>, body: () async throws -> T
    ) async throws -> T {
        guard let first = storages.first else { return try await body() }
        return try await first.withRunning { try await running(storages.dropFirst(), body: body) }
    }
}

import Foundation
import Testing

@testable import ParleyKeyServer

/// CI must not lose the PostgreSQL cases silently: without `PARLEY_TEST_POSTGRES_URL` they are
/// absent from every `Backend.allCases` test, so this fails when `CI=true`.
@Suite("PostgreSQL coverage")
struct PostgresCoverageTests {
    @Test func postgresServerIsGivenInCI() {
        let inCI = ProcessInfo.processInfo.environment["CI"] == "true"
        #expect(
            !inCI || Backend.postgresURL != nil,
            "CI=true but \(Backend.postgresURLVariable) is not set: the PostgreSQL backend would go untested (run the tests through `make test`)."
        )
    }
}

@Suite("Several server instances on one database")
struct SharedDatabaseTests {
    /// 50 one-time prekeys, 200 concurrent claims from 20 devices spread over two live server
    /// instances on 127.0.0.1 (each with its own storage and pool) on one database: exactly 50
    /// distinct keys handed out.
    @Test(arguments: Backend.sharedCases)
    func exactlyOnceAcrossTwoInstances(backend: Backend) async throws {
        try await Self.withTwoLiveInstances(backend) { first, second in
            let (_, target) = try await first.readyUser("target")
            let uploaded = oneTimeKeys(50)
            #expect(
                try await second.call(.post, "/v1/keys/one-time", json: ["keys": uploaded], as: target).status == 200)
            var claimers: [TestDevice] = []
            for index in 0..<20 {
                let api = index.isMultiple(of: 2) ? first : second
                claimers.append(try await api.readyUser("claimer\(index)").1)
            }
            let outcomes = try await concurrentClaims(of: "target", through: [first, second], by: claimers)
            expectExactlyOnce(outcomes, uploaded: uploaded)
            #expect(try await first.call(.get, "/v1/keys/count", as: target).json["one_time"] as? Int == 0)
        }
    }

    /// A device removed through one instance can no longer sign in through the other, also after
    /// it was authenticated there (the SQLite backend caches identity keys).
    @Test(arguments: Backend.sharedCases)
    func removedDeviceIsRefusedByTheOtherInstance(backend: Backend) async throws {
        try await Self.withTwoLiveInstances(backend) { first, second in
            let (account, device) = try await first.readyUser("gina")
            let other = try account.device(2)
            #expect(try await first.call(.post, "/v1/devices", json: try other.linkJSON(), as: device).status == 201)
            #expect(try await second.call(.get, "/v1/keys/count", as: other).status == 200)
            #expect(try await first.call(.delete, "/v1/devices/2", as: device).status == 204)
            #expect(try await second.call(.get, "/v1/keys/count", as: other).errorCode == "auth_unknown_device")
        }
    }

    /// Two live server instances on 127.0.0.1, each with its own storage on one fresh database.
    /// The per-target claim budget is out of the way: these tests count keys, not limits.
    static func withTwoLiveInstances(_ backend: Backend, _ body: @escaping @Sendable (TestAPI, TestAPI) async throws -> Void)
        async throws
    {
        let limits = {
            var limits = ServerLimits()
            limits.claimTargetRate = RateLimit(capacity: 1000, refillPerMinute: 1000)
            return limits
        }()
        try await backend.withSharedStorages(2) { storages in
            let clock = TestClock()
            try await withServer(storage: storages[0], limits: limits, setup: .live, clock: clock) { first in
                try await withServer(storage: storages[1], limits: limits, setup: .live, clock: clock) { second in
                    try await body(first, second)
                }
            }
        }
    }
}

@Suite("PostgreSQL configuration")
struct PostgresConfigurationTests {
    @Test func urlParsing() throws {
        let full = try PostgresStorageConfiguration(url: "postgres://me:secret@127.0.0.1:6543/parley?sslmode=disable")
        #expect(full.host == "127.0.0.1")
        #expect(full.port == 6543)
        #expect(full.username == "me")
        #expect(full.password == "secret")
        #expect(full.database == "parley")
        #expect(full.tls == .disable)
        let plain = try PostgresStorageConfiguration(url: "postgresql://me@db.example/parley")
        #expect(plain.port == 5432)
        #expect(plain.tls == .prefer)
        #expect(plain.password == nil)
        for bad in [
            "postgres://127.0.0.1/parley", "postgres://me@/parley", "postgres://me@host", "postgres://me@host/a/b",
            "postgres://me@host:0/db", "postgres://me@host/db?sslmode=maybe", "postgres://me@host/db?x=1", "sqlite:x",
            "postgres://me@host/" + String(repeating: "d", count: 3000),
        ] {
            #expect(throws: PostgresStorageError.self, "\(bad)") { try PostgresStorageConfiguration(url: bad) }
        }
        // A rejected URL's reason never repeats its password.
        do {
            _ = try PostgresStorageConfiguration(url: "postgres://me:hunter2@host/db?sslmode=maybe")
        } catch {
            #expect(!error.description.contains("hunter2"))
        }
        #expect(throws: PostgresStorageError.self) { try plain.inSchema("x; DROP TABLE accounts") }
        #expect(try plain.inSchema("t_1").schema == "t_1")
    }
}

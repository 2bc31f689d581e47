import Foundation
import ParleyKeyServer
import ParleyTestSupport
import Testing

@testable import ParleyKeyServer

/// Servers starting together on one PostgreSQL database (a rolling restart on a loaded host):
/// they take the schema lock in turn, and on a loaded machine the turn can take longer than a
/// request's 10 s lock timeout. The tests make that wait happen on any machine speed: a
/// connection of the test holds the schema lock until every starting storage or server is
/// queued behind it (read from `pg_locks`), then keeps it past those 10 s. Each runs in a
/// scratch database of its own, so no other test's storage waits behind that lock.
@Suite("PostgreSQL start-up", .enabled(if: Backend.postgresURL != nil, "needs PARLEY_TEST_POSTGRES_URL (make test)"))
struct PostgresStartupTests {
    /// Longer than the 10 s `lock_timeout` every pooled connection has for requests.
    static let heldPastRequestLockTimeout = Duration.seconds(11)

    /// 16 storages started at once while the schema lock is held: all start, and their pooled
    /// connections then work (none is left inside an aborted transaction).
    @Test(.timeLimit(.minutes(3)))
    func sixteenStoragesStartingTogetherAllStart() async throws {
        try await ScratchDatabase.with { database in
            try await SQLConnection.with(database.configuration) { holder in
                try await holder.holdSchemaLock()
                try await withThrowingTaskGroup(of: String.self) { group in
                    for index in 0..<16 {
                        group.addTask {
                            let storage = PostgresKeyServerStorage(configuration: database.configuration)
                            return try await Backend.detailingPostgresErrors {
                                try await storage.withRunning {
                                    let address = try await storage.registerUser("starter\(index)")
                                    #expect(try await storage.account(address.user)?.devices.count == 1)
                                    return address.user.rawValue
                                }
                            }
                        }
                    }
                    #expect(try await holder.waitForLockWaiters(16), "the 16 storages never queued for the schema lock")
                    try await Task.sleep(for: Self.heldPastRequestLockTimeout)
                    try await holder.commit()
                    var started: Set<String> = []
                    for try await user in group { started.insert(user) }
                    #expect(started.count == 16)
                }
            }
        }
    }

    /// Past the configured wait a storage gives up with one clear error, and the database is
    /// left as it was: a storage started afterwards creates the schema and works.
    @Test(.timeLimit(.minutes(2)))
    func aStorageGivesUpWaitingForTheSchemaLockWithAClearError() async throws {
        try await ScratchDatabase.with { database in
            var impatient = database.configuration
            impatient.schemaLockTimeoutSeconds = 1
            try await SQLConnection.with(database.configuration) { holder in
                try await holder.holdSchemaLock()
                await #expect(throws: PostgresStorageError.schemaLockTimedOut(seconds: 1)) {
                    try await PostgresKeyServerStorage(configuration: impatient).withRunning {}
                }
                try await holder.commit()
            }
            let storage = PostgresKeyServerStorage(configuration: impatient)
            try await storage.withRunning {
                let address = try await storage.registerUser("after")
                #expect(try await storage.account(address.user) != nil)
            }
        }
    }

    /// Four `parley-server` processes started at the same moment on one database, with the
    /// schema lock held past the request lock timeout and both cores kept busy: all four
    /// answer, and an account made through one is seen through another. A fifth with
    /// `--schema-lock-timeout 1` exits with status 1 and one sentence saying why.
    @Test(.timeLimit(.minutes(3)))
    func fourServerProcessesStartingTogetherAllServe() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("parley-pg-start-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try await ScratchDatabase.with { database in
            var servers: [(ServerProcess, ExternalClient)] = []
            defer {
                for index in servers.indices { servers[index].0.kill() }
            }
            try await SQLConnection.with(database.configuration) { holder in
                try await holder.holdSchemaLock()
                let load = CPULoad(threads: 2, atMost: .seconds(120))
                defer { load.stop() }
                for index in 0..<4 {
                    let port = try TestProcesses.freeLoopbackPort()
                    let server = try ServerProcess(
                        port: port, database: database.url, dataDirectory: directory.appendingPathComponent("data\(index)").path)
                    servers.append((server, ExternalClient(port: port)))
                }
                #expect(try await holder.waitForLockWaiters(4), "the four servers never queued for the schema lock")
                let log = directory.appendingPathComponent("impatient.log")
                var impatient = try ServerProcess(
                    port: try TestProcesses.freeLoopbackPort(), database: database.url,
                    dataDirectory: directory.appendingPathComponent("impatient").path,
                    extraArguments: ["--schema-lock-timeout", "1"], errorLog: log)
                #expect(try await impatient.exitStatus(within: .seconds(60)) == 1)
                let said = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
                #expect(said.contains("gave up after waiting 1 s for the schema lock"), "stderr: \(said)")
                try await Task.sleep(for: Self.heldPastRequestLockTimeout)
                try await holder.commit()
            }
            for index in servers.indices {
                try await servers[index].0.waitUntilReady(servers[index].1)
            }
            let (alice, _) = try await servers[0].1.registerAliceAndBob()
            let seen = try await servers[3].1.call(.get, "/v1/keys/count", as: alice)
            #expect(seen.status == 200)
        }
    }
}

/// Busy threads that keep cores occupied until stopped (or for at most `atMost`), so that a
/// test also runs on a loaded machine when it runs alone.
final class CPULoad: @unchecked Sendable {
    private let lock = NSLock()
    private var stopped = false

    init(threads: Int, atMost limit: Duration) {
        let deadline = ContinuousClock.now + limit
        for _ in 0..<threads {
            Thread.detachNewThread { [self] in
                var value: UInt64 = 1
                while !isStopped, ContinuousClock.now < deadline {
                    for _ in 0..<100_000 { value = value &* 6_364_136_223_846_793_005 &+ 1 }
                }
                withExtendedLifetime(value) {}
            }
        }
    }

    private var isStopped: Bool { lock.withLock { stopped } }

    func stop() { lock.withLock { stopped = true } }
}

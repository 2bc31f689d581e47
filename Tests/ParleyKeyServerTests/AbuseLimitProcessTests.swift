import Foundation
import HTTPTypes
import ParleyTestSupport
import Testing

/// Issue 13 items 3, 4 and 10 replayed against real `parley-server` processes on 127.0.0.1, with
/// limits made small by flags so that each attack takes tens of requests: sign-ups blocked by
/// refused registrations, the replay cache filled by a few free devices, one device's one-time
/// prekeys drained by fresh accounts, user ids enumerated, and `/metrics` on the public listener.
@Suite("Abuse limits against a real parley-server", .serialized)
struct AbuseLimitProcessTests {
    /// `X-Forwarded-For: address`, as a trusted proxy on 127.0.0.1 would send it.
    static func from(_ address: String) -> HTTPFields {
        var headers = HTTPFields()
        if let name = HTTPField.Name("X-Forwarded-For") { headers[name] = "198.51.100.1, \(address)" }
        return headers
    }

    /// Registers `name` with device 1, a signed prekey and `oneTime` one-time prekeys.
    static func readyUser(_ name: String, oneTime: Int = 0, pqLastResort: Bool = true, on client: ExternalClient) async throws
        -> TestDevice
    {
        let account = TestAccount(name)
        let device = try account.device(1)
        let registered = try await client.call(.post, "/v1/accounts", json: account.registration(device), as: device)
        #expect(registered.status == 201, "registering \(name): \(registered.status) \(registered.errorCode ?? "")")
        #expect(try await client.call(.put, "/v1/keys/signed-prekey", json: device.signedPreKey().body, as: device).status == 204)
        // Claimable as a Parley-v2 client makes itself (claims leave out devices without a PQ prekey).
        if pqLastResort {
            #expect(try await client.call(.put, "/v1/keys/pq-last-resort", json: device.pqPreKey(), as: device).status == 204)
        }
        if oneTime > 0 {
            #expect(
                try await client.call(.post, "/v1/keys/one-time", json: ["keys": oneTimeKeys(oneTime)], as: device).status == 200)
        }
        return device
    }

    /// The one-time prekeys `device` still has on the server.
    static func stock(of device: TestDevice, on client: ExternalClient) async throws -> Int? {
        try await client.call(.get, "/v1/keys/count", as: device).json["one_time"] as? Int
    }

    // MARK: Item 3: sign-ups

    /// The review's run, scaled down: a client with no account sends registrations that are
    /// refused (`400 device_mismatch`, `409 user_taken`) until the registrations' replay bound is
    /// full; then a real registration from elsewhere must still succeed. Before the fix every
    /// refused registration took a record of one shared bound, and alice got `429`.
    @Test(.timeLimit(.minutes(3)))
    func refusedRegistrationsDoNotBlockSignUps() async throws {
        try await SenderQuotaProcessTests.withServerProcess(
            ["--replay-records-per-device", "20", "--trusted-proxy", "127.0.0.1"]
        ) { client in
            let mallory = TestAccount("mallory")
            let one = try mallory.device(1)
            let two = try mallory.device(2)
            var answers: [Int] = []
            for _ in 0..<25 {
                // Signed by device 1's key over a body registering device 1, naming device 2.
                let reply = try await client.call(
                    .post, "/v1/accounts", json: mallory.registration(one), as: two, signer: one,
                    headers: Self.from("203.0.113.66"))
                answers.append(reply.status)
            }
            #expect(answers.allSatisfy { $0 == 400 || $0 == 429 }, "\(answers)")
            let alice = TestAccount("alice")
            let device = try alice.device(1)
            let reply = try await client.call(
                .post, "/v1/accounts", json: alice.registration(device), as: device, headers: Self.from("203.0.113.7"))
            #expect(reply.status == 201, "a real sign-up after the flood: \(reply.status) \(reply.errorCode ?? "")")
        }
    }

    /// The registration routes are limited per client address: past its burst one address gets
    /// `429`, another address still registers; `X-Forwarded-For` counts only from a trusted
    /// proxy (without `--trusted-proxy` a client cannot pick a new address per request).
    @Test(.timeLimit(.minutes(3)))
    func registrationsAreLimitedPerClientAddress() async throws {
        let limits = ["--registration-burst", "3", "--registration-per-minute", "1"]
        try await SenderQuotaProcessTests.withServerProcess(limits + ["--trusted-proxy", "127.0.0.1"]) { client in
            var statuses: [Int] = []
            for index in 0..<4 {
                let account = TestAccount("flood\(index)")
                let device = try account.device(1)
                statuses.append(
                    try await client.call(
                        .post, "/v1/accounts", json: account.registration(device), as: device, headers: Self.from("203.0.113.66")
                    ).status)
            }
            #expect(statuses == [201, 201, 201, 429])
            let alice = TestAccount("alice")
            let device = try alice.device(1)
            let reply = try await client.call(
                .post, "/v1/accounts", json: alice.registration(device), as: device, headers: Self.from("203.0.113.7"))
            #expect(reply.status == 201)
        }
        try await SenderQuotaProcessTests.withServerProcess(limits) { client in
            var statuses: [Int] = []
            for index in 0..<4 {
                let account = TestAccount("spoof\(index)")
                let device = try account.device(1)
                statuses.append(
                    try await client.call(
                        .post, "/v1/accounts", json: account.registration(device), as: device,
                        headers: Self.from("203.0.113.\(index)")
                    ).status)
            }
            #expect(statuses == [201, 201, 201, 429], "X-Forwarded-For from an untrusted peer must be ignored")
        }
    }

    /// Three free devices send signed requests until the replay cache (60 records) is full. A
    /// device that sent one request must still be served, and a dropped record's request still
    /// cannot be replayed. Before the fix the full cache answered `429` to everyone.
    @Test(.timeLimit(.minutes(3)))
    func aFewDevicesCannotFillTheReplayCacheForEveryone() async throws {
        try await SenderQuotaProcessTests.withServerProcess(["--replay-records", "60", "--replay-records-per-device", "25"]) {
            client in
            let alice = TestAccount("alice")
            let aliceDevice = try alice.device(1)
            #expect(
                try await client.call(.post, "/v1/accounts", json: alice.registration(aliceDevice), as: aliceDevice).status == 201
            )
            var attackers: [TestDevice] = []
            for index in 0..<3 {
                let account = TestAccount("mallory\(index)")
                let device = try account.device(1)
                #expect(
                    try await client.call(.post, "/v1/accounts", json: account.registration(device), as: device).status == 201)
                attackers.append(device)
            }
            let firstStamp = client.clock.now()
            #expect(try await client.call(.get, "/v1/keys/count", as: attackers[0], timestamp: firstStamp).status == 200)
            var statuses: [Int: Int] = [:]
            for attacker in attackers {
                for _ in 0..<26 { statuses[try await client.call(.get, "/v1/keys/count", as: attacker).status, default: 0] += 1 }
            }
            // Each attacker is stopped by its own bound, not everyone by the total.
            #expect(statuses[429, default: 0] >= 3, "\(statuses)")
            let served = try await client.call(.get, "/v1/keys/count", as: aliceDevice)
            #expect(served.status == 200, "alice after the flood: \(served.status) \(served.errorCode ?? "")")
            let replay = try await client.call(.get, "/v1/keys/count", as: attackers[0], timestamp: firstStamp)
            #expect(replay.status == 401)
            #expect(replay.errorCode == "auth_replayed")
        }
    }

    // MARK: Item 4: claims per target

    /// Ten fresh accounts claim bob's bundle once each (each far inside its own claim limit).
    /// Only the target's budget (5) of bob's 20 one-time prekeys goes out; every claim still gets
    /// a bundle. Before the fix each claim took one.
    @Test(.timeLimit(.minutes(3)))
    func freshAccountsCannotDrainOneDevicesStock() async throws {
        try await SenderQuotaProcessTests.withServerProcess(["--claim-target-burst", "5", "--claim-target-per-minute", "1"]) {
            client in
            let bob = try await Self.readyUser("bob", oneTime: 20, on: client)
            var withOneTime = 0
            for index in 0..<10 {
                let claimer = try await Self.readyUser("fresh\(index)", on: client)
                let reply = try await client.call(.post, "/v1/keys/claim", json: ["user": "bob"], as: claimer)
                #expect(reply.status == 200)
                let bundles = reply.json["bundles"] as? [[String: Any]] ?? []
                #expect(bundles.count == 1)
                if bundles.first?["one_time_prekey"] is String { withOneTime += 1 }
            }
            // 5, or 6 when the run took over a minute (one token refilled).
            #expect((5...6).contains(withOneTime), "\(withOneTime) one-time prekeys went out")
            #expect(try await Self.stock(of: bob, on: client) == 20 - withOneTime)
        }
    }

    /// The same flood through two server processes on one PostgreSQL database: each process keeps
    /// its own budget per target, so at most twice the budget goes out.
    @Test(.enabled(if: Backend.postgresURL != nil, "needs PARLEY_TEST_POSTGRES_URL"), .timeLimit(.minutes(4)))
    func freshAccountsCannotDrainOneDevicesStockThroughTwoPostgresServers() async throws {
        try await ScratchDatabase.with { database in
            try await Self.withTwoServers(database.url, ["--claim-target-burst", "5", "--claim-target-per-minute", "1"]) {
                first, second in
                let bob = try await Self.readyUser("bob", oneTime: 30, on: first)
                var withOneTime = 0
                for index in 0..<16 {
                    let client = index.isMultiple(of: 2) ? first : second
                    let claimer = try await Self.readyUser("fresh\(index)", on: client)
                    let reply = try await client.call(.post, "/v1/keys/claim", json: ["user": "bob"], as: claimer)
                    #expect(reply.status == 200)
                    if (reply.json["bundles"] as? [[String: Any]])?.first?["one_time_prekey"] is String { withOneTime += 1 }
                }
                #expect((10...12).contains(withOneTime), "\(withOneTime) one-time prekeys went out")
                #expect(try await Self.stock(of: bob, on: second) == 30 - withOneTime)
            }
        }
    }

    /// The sign-up flood through one process of two on PostgreSQL (replay records in the
    /// database, shared): a real registration through the other still succeeds.
    @Test(.enabled(if: Backend.postgresURL != nil, "needs PARLEY_TEST_POSTGRES_URL"), .timeLimit(.minutes(4)))
    func refusedRegistrationsDoNotBlockSignUpsThroughTwoPostgresServers() async throws {
        try await ScratchDatabase.with { database in
            try await Self.withTwoServers(database.url, ["--registration-burst", "10", "--registration-per-minute", "1"]) {
                first, second in
                let mallory = TestAccount("mallory")
                let one = try mallory.device(1)
                let two = try mallory.device(2)
                var answers: [Int] = []
                for _ in 0..<15 {
                    answers.append(
                        try await first.call(.post, "/v1/accounts", json: mallory.registration(one), as: two, signer: one).status)
                }
                #expect(answers == Array(repeating: 400, count: 10) + Array(repeating: 429, count: 5))
                let alice = TestAccount("alice")
                let device = try alice.device(1)
                #expect(try await second.call(.post, "/v1/accounts", json: alice.registration(device), as: device).status == 201)
                #expect(try await first.call(.get, "/v1/users/alice/devices", as: device).status == 200)
            }
        }
    }

    // MARK: Item 10: enumeration and exposure

    /// One device looks up user ids one after another: past the lookup burst it gets `429`;
    /// another device is not affected. Before the fix lookups were unlimited.
    @Test(.timeLimit(.minutes(3)))
    func deviceListLookupsAreLimitedPerCaller() async throws {
        try await SenderQuotaProcessTests.withServerProcess(["--lookup-burst", "5", "--lookup-per-minute", "1"]) { client in
            let (alice, mallory) = try await client.registerAliceAndBob()
            var statuses: [Int] = []
            for index in 0..<7 {
                statuses.append(try await client.call(.get, "/v1/users/guess\(index)/devices", as: mallory).status)
            }
            #expect(statuses == Array(repeating: 404, count: 5) + [429, 429])
            #expect(try await client.call(.get, "/v1/users/bob/devices", as: alice).status == 200)
        }
    }

    /// `/metrics` is not on the API's listener; it is on `--metrics-listen`.
    @Test(.timeLimit(.minutes(3)))
    func metricsAreServedOnlyOnTheirOwnListener() async throws {
        let metricsPort = try TestProcesses.freeLoopbackPort()
        try await SenderQuotaProcessTests.withServerProcess(["--metrics-listen", "127.0.0.1:\(metricsPort)"]) { client in
            _ = try await client.registerAliceAndBob()
            let onAPI = try await client.call(.get, "/metrics")
            #expect(onAPI.status == 404, "/metrics on the API listener: \(onAPI.status)")
            let onMetrics = try await ExternalClient(port: metricsPort).call(.get, "/metrics")
            #expect(onMetrics.status == 200)
            let text = String(decoding: onMetrics.body, as: UTF8.self)
            #expect(text.contains("parley_users 2"))
            #expect(text.contains("route=\"/v1/accounts\""), "requests on the API listener are counted")
        }
    }

    /// Two server processes on one PostgreSQL database, each on a port the kernel chose.
    static func withTwoServers(
        _ url: String, _ arguments: [String], _ body: (ExternalClient, ExternalClient) async throws -> Void
    ) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("parley-abuse-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        var first = try ServerProcess(
            database: url, dataDirectory: directory.appendingPathComponent("data").path, extraArguments: arguments)
        defer { first.kill() }
        var second = try ServerProcess(
            database: url, dataDirectory: directory.appendingPathComponent("data").path, extraArguments: arguments)
        defer { second.kill() }
        let firstClient = ExternalClient(port: try await first.waitUntilListening())
        let secondClient = ExternalClient(port: try await second.waitUntilListening())
        try await body(firstClient, secondClient)
    }
}

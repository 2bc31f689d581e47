import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import ParleyCrypto
import ParleyKeyServer
import ParleyTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `kill -9` of a real `parley-server` process in the middle of a send load, then a restart on
/// the same SQLite database: every message the server acknowledged and the recipient did not
/// acknowledge is still there, exactly once, and nothing the recipient acknowledged comes back.
@Suite("Server restart after kill -9 and after SIGTERM", .serialized)
struct RestartTests {
    @Test func nothingAcknowledgedIsLostAndNothingAckedReturns() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("parley-restart-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let database = "sqlite:" + directory.appendingPathComponent("server.sqlite").path

        // Alice's up to 2,020 messages to bob must not stop at her per-sender quota (default 1000).
        let unlimited = ["--sender-quota", "100000"]
        var server = try ServerProcess(
            database: database, dataDirectory: directory.appendingPathComponent("data").path, extraArguments: unlimited)
        defer { server.kill() }
        let client = ExternalClient(port: try await server.waitUntilListening())
        let port = client.port
        let (aliceDevice, bobDevice) = try await client.registerAliceAndBob()

        // Bob acknowledges the first batch; the rest stays pending.
        var accepted: Set<String> = []
        for index in 0..<20 {
            let text = "before-\(index)"
            if try await client.send(text, from: aliceDevice, to: "bob") { accepted.insert(text) }
        }
        let firstFetch = try await client.fetch(as: bobDevice)
        let acked = Array(firstFetch.prefix(10))
        #expect(try await client.call(.post, "/v1/messages/ack", json: ["ids": acked.map(\.id)], as: bobDevice).status == 200)
        let ackedTexts = Set(acked.map(\.text))

        // Sends in flight while the server is killed (bounded: at most 2,000 sends or 60 s). The
        // kill comes once 20 sends were acknowledged: in the middle of the load on any machine.
        let progress = SendProgress()
        let sender = Task {
            var acknowledged: [String] = []
            let deadline = ContinuousClock.now + .seconds(60)
            for index in 0..<2000 where ContinuousClock.now < deadline {
                let text = "load-\(index)"
                guard (try? await client.send(text, from: aliceDevice, to: "bob")) == true else { break }
                acknowledged.append(text)
                progress.increment()
            }
            progress.finish()
            return acknowledged
        }
        #expect(await progress.waitFor(20), "the load never got going")
        server.kill()
        let duringLoad = await sender.value
        accepted.formUnion(duringLoad)
        #expect(
            !duringLoad.isEmpty && duringLoad.count < 2000,
            "the kill must land in the middle of the load (\(duringLoad.count) sent)")

        server = try ServerProcess(
            port: port, database: database, dataDirectory: directory.appendingPathComponent("data").path,
            extraArguments: unlimited)
        try await server.waitUntilReady(client)
        let afterRestart = try await client.fetch(as: bobDevice)
        let texts = afterRestart.map(\.text)
        #expect(Set(texts).count == texts.count, "a message was delivered twice after the restart")
        for text in accepted where !ackedTexts.contains(text) {
            #expect(texts.contains(text), "\(text) was acknowledged by the server but is gone after kill -9")
        }
        for text in ackedTexts { #expect(!texts.contains(text), "\(text) was acknowledged by Bob but came back") }
        #expect(try await client.call(.get, "/health").status == 200)
    }

    /// The SQLite replay cache lives in the server's memory with a journal: a request accepted
    /// just before `kill -9` is still a replay after the restart, and a second process cannot
    /// open the database (it would have a replay cache of its own).
    @Test func aReplayAfterKill9IsRejectedAndASecondProcessIsRefused() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("parley-restart-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let database = "sqlite:" + directory.appendingPathComponent("server.sqlite").path
        let data = directory.appendingPathComponent("data").path
        var server = try ServerProcess(database: database, dataDirectory: data)
        defer { server.kill() }
        let client = ExternalClient(port: try await server.waitUntilListening())
        let port = client.port
        let alice = TestAccount("alice")
        let device = try alice.device(1)
        #expect(try await client.call(.post, "/v1/accounts", json: alice.registration(device), as: device).status == 201)
        let stamp = client.clock.now()
        #expect(try await client.call(.get, "/v1/keys/count", as: device, timestamp: stamp).status == 200)

        var second = try ServerProcess(database: database, dataDirectory: data)
        defer { second.kill() }
        let status = try await second.exitStatus(within: .seconds(120))
        #expect(status != nil && status != 0, "a second process opened the same SQLite database")

        server.kill()
        server = try ServerProcess(port: port, database: database, dataDirectory: data)
        try await server.waitUntilReady(client)
        let replay = try await client.call(.get, "/v1/keys/count", as: device, timestamp: stamp)
        #expect(replay.status == 401)
        #expect(replay.errorCode == "auth_replayed")
        #expect(try await client.call(.get, "/v1/keys/count", as: device).status == 200)
    }

    /// SIGTERM stops the server cleanly (exit status 0) and leaves everything committed in the
    /// database file itself: a copy of that one file, without its WAL, serves every message.
    @Test func aSigtermStopLeavesACompleteDatabaseFile() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("parley-restart-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("server.sqlite").path
        let data = directory.appendingPathComponent("data").path
        var server = try ServerProcess(database: "sqlite:" + path, dataDirectory: data)
        defer { server.kill() }
        let client = ExternalClient(port: try await server.waitUntilListening())
        let port = client.port
        let (aliceDevice, bobDevice) = try await client.registerAliceAndBob()
        let texts = (0..<20).map { "kept-\($0)" }
        for text in texts { #expect(try await client.send(text, from: aliceDevice, to: "bob")) }

        #expect(try await server.terminate(within: .seconds(120)) == 0)
        let wal = (try? FileManager.default.attributesOfItem(atPath: path + "-wal")[.size] as? Int) ?? 0
        #expect(wal == 0, "the WAL still holds \(wal) bytes after a clean stop")

        let copy = directory.appendingPathComponent("copy")
        try FileManager.default.createDirectory(at: copy, withIntermediateDirectories: true)
        let copiedPath = copy.appendingPathComponent("server.sqlite").path
        try FileManager.default.copyItem(atPath: path, toPath: copiedPath)
        server = try ServerProcess(
            port: port, database: "sqlite:" + copiedPath, dataDirectory: copy.appendingPathComponent("data").path)
        try await server.waitUntilReady(client)
        #expect(try await client.fetch(as: bobDevice).map(\.text) == texts)
    }
}

/// How many sends a load has had acknowledged, for a test that acts in the middle of it.
final class SendProgress: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    private var finished = false

    func increment() { lock.withLock { count += 1 } }

    func finish() { lock.withLock { finished = true } }

    /// Returns once `target` sends were acknowledged (true), or the load ended short of it (false).
    func waitFor(_ target: Int) async -> Bool {
        while true {
            let (reached, over) = lock.withLock { (count >= target, finished) }
            if reached { return true }
            if over { return false }
            try? await Task.sleep(for: .milliseconds(5))
        }
    }
}

/// Signed requests to a server in another process.
struct ExternalClient: Sendable {
    let port: Int
    let clock = TestClock()

    struct Envelope {
        let id: Int
        let text: String
    }

    /// Sends a request; signs it as `device` (with `signer`'s key if given) unless nil, and adds
    /// `headers` (e.g. `X-Forwarded-For`).
    func call(
        _ method: HTTPRequest.Method, _ path: String, json: Any? = nil, as device: TestDevice? = nil, timestamp: Int64? = nil,
        signer: TestDevice? = nil, headers extra: HTTPFields = [:]
    ) async throws -> Reply {
        let body = try json.map { Array(try JSONSerialization.data(withJSONObject: $0)) } ?? []
        var headers = extra
        if let device {
            let stamp = String(timestamp ?? clock.now())
            let input = RequestSignature.signingInput(method: method.rawValue, pathWithQuery: path, timestamp: stamp, body: body)
            if let name = HTTPField.Name("Parley-Device") { headers[name] = device.address }
            if let name = HTTPField.Name("Parley-Timestamp") { headers[name] = stamp }
            if let name = HTTPField.Name("Parley-Signature") { headers[name] = b64((signer ?? device).key.signature(for: input)) }
        }
        if !body.isEmpty { headers[.contentType] = "application/json" }
        let request = TestClient.Request(
            path, method: method, headers: headers, body: body.isEmpty ? nil : ByteBuffer(bytes: body))
        return try await TestClient.withClient(host: "127.0.0.1", port: port, configuration: .init(timeout: .seconds(30))) {
            client in
            let response = try await client.execute(request)
            return Reply(
                status: Int(response.head.status.code), body: response.body.map { Array($0.readableBytesView) } ?? [],
                contentType: response.head.headerFields[.contentType])
        }
    }

    /// Registers the users alice and bob, each with device 1.
    /// - Returns: their devices.
    func registerAliceAndBob() async throws -> (alice: TestDevice, bob: TestDevice) {
        let devices = try ["alice", "bob"].map { user in
            let account = TestAccount(user)
            return (account, try account.device(1))
        }
        for (account, device) in devices {
            #expect(try await call(.post, "/v1/accounts", json: account.registration(device), as: device).status == 201)
        }
        return (devices[0].1, devices[1].1)
    }

    /// True when the server accepted the message (200).
    func send(_ text: String, from device: TestDevice, to user: String) async throws -> Bool {
        let message: [String: Any] = ["user": user, "device": 1, "body": b64(Array(text.utf8))]
        return try await call(.put, "/v1/messages", json: ["messages": [message]], as: device).status == 200
    }

    func fetch(as device: TestDevice) async throws -> [Envelope] {
        let reply = try await call(.get, "/v1/messages?limit=1000", as: device)
        return (reply.json["messages"] as? [[String: Any]] ?? []).compactMap { envelope in
            guard let id = envelope["id"] as? Int, let body = envelope["body"] as? String, let data = Data(base64Encoded: body)
            else {
                return nil
            }
            return Envelope(id: id, text: String(decoding: data, as: UTF8.self))
        }
    }

}

import Foundation
import ParleyTestSupport
import Testing

/// Issue 13's mailbox attack replayed against a real `parley-server` process on 127.0.0.1: a
/// device with no contacts sends calls of 1000 tiny messages to a victim. Its share of the
/// victim's mailbox is bounded (`409 sender_quota` beyond it) and other senders still get in.
@Suite("Sender quota against a real parley-server", .serialized)
struct SenderQuotaProcessTests {
    /// Runs `body` with a fresh server process on a free loopback port and a temporary SQLite
    /// database, killed and removed afterwards.
    /// - Parameter fileLimit: the process's limit on open files (`ulimit -n`), if any.
    static func withServerProcess(
        _ arguments: [String] = [], fileLimit: Int? = nil, _ body: (ExternalClient) async throws -> Void
    ) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("parley-quota-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        var server = try ServerProcess(
            database: "sqlite:" + directory.appendingPathComponent("server.sqlite").path,
            dataDirectory: directory.appendingPathComponent("data").path, extraArguments: arguments, fileLimit: fileLimit)
        defer { server.kill() }
        let client = ExternalClient(port: try await server.waitUntilListening())
        try await body(client)
    }

    /// `count` tiny messages to bob's device 1.
    static func junk(_ count: Int) -> [String: Any] {
        ["messages": Array(repeating: ["user": "bob", "device": 1, "body": "AA=="] as [String: Any], count: count)]
    }

    @Test func atTheDefaultsAHostileDeviceTakesOneTenthOfTheMailbox() async throws {
        try await Self.withServerProcess { client in
            let (alice, bob) = try await client.registerAliceAndBob()
            let account = TestAccount("mallory")
            let mallory = try account.device(1)
            #expect(try await client.call(.post, "/v1/accounts", json: account.registration(mallory), as: mallory).status == 201)
            // The review's run: 10 calls of 1000 messages. Only the first fits in mallory's share.
            var answers: [String] = []
            for _ in 0..<10 {
                let reply = try await client.call(.put, "/v1/messages", json: Self.junk(1000), as: mallory)
                answers.append("\(reply.status) \(reply.errorCode ?? "")")
            }
            #expect(answers == ["200 "] + Array(repeating: "409 sender_quota", count: 9))
            // Alice's message still gets into bob's mailbox, behind mallory's 1000.
            #expect(try await client.send("still reachable", from: alice, to: "bob"))
            let first = try await client.fetch(as: bob)
            #expect(first.count == 1000)
            let rest = try await client.call(.get, "/v1/messages?after=\(first.last?.id ?? 0)", as: bob)
            let texts = (rest.json["messages"] as? [[String: Any]] ?? []).compactMap { envelope in
                (envelope["body"] as? String).flatMap { Data(base64Encoded: $0) }.map { String(decoding: $0, as: UTF8.self) }
            }
            #expect(texts == ["still reachable"])
        }
    }

    @Test func theQuotaIsSetByFlag() async throws {
        try await Self.withServerProcess(["--sender-quota", "5"]) { client in
            let (alice, bob) = try await client.registerAliceAndBob()
            for index in 0..<5 { #expect(try await client.send("alice-\(index)", from: alice, to: "bob")) }
            let refused = try await client.call(.put, "/v1/messages", json: Self.junk(1), as: alice)
            #expect(refused.status == 409)
            #expect(refused.errorCode == "sender_quota")
            // Bob acknowledges one: one more fits.
            let pending = try await client.fetch(as: bob)
            #expect(pending.map(\.text) == (0..<5).map { "alice-\($0)" })
            let ack = try await client.call(.post, "/v1/messages/ack", json: ["ids": [pending[0].id]], as: bob)
            #expect(ack.status == 200)
            #expect(try await client.send("alice-5", from: alice, to: "bob"))
            #expect(try await client.send("alice-6", from: alice, to: "bob") == false)
        }
    }
}

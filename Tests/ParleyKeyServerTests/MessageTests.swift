import Foundation
import Testing

@testable import ParleyKeyServer

@Suite("Mailbox")
struct MessageTests {
    @Test(arguments: Backend.allCases)
    func sendFetchAckInOrder(backend: Backend) async throws {
        try await withServer(backend) { api in
            let (_, bob) = try await api.readyUser("bob")
            let (_, alice) = try await api.readyUser("alice")
            let (_, carl) = try await api.readyUser("carl")
            var sent: [(String, String)] = []
            for index in 0..<6 {
                let sender = index.isMultiple(of: 2) ? alice : carl
                let text = "\(sender.user)-\(index)"
                let reply = try await api.call(
                    .put, "/v1/messages", json: ["messages": [["user": "bob", "device": 1, "body": b64(Array(text.utf8))]]],
                    as: sender)
                #expect(reply.status == 200)
                #expect((reply.json["ids"] as? [Int])?.count == 1)
                sent.append((sender.user, text))
            }
            let fetched = try await api.call(.get, "/v1/messages?limit=100", as: bob)
            #expect(fetched.status == 200)
            let envelopes = fetched.json["messages"] as? [[String: Any]] ?? []
            #expect(envelopes.count == 6)
            let bodies = envelopes.compactMap { ($0["body"] as? String).flatMap { Data(base64Encoded: $0) } }
            #expect(bodies.map { String(decoding: $0, as: UTF8.self) } == sent.map(\.1))
            #expect(envelopes.compactMap { $0["sender_user"] as? String } == sent.map(\.0))
            #expect(envelopes.allSatisfy { $0["sender_device"] as? Int == 1 && ($0["timestamp"] as? Int ?? 0) > 0 })
            let ids = envelopes.compactMap { $0["id"] as? Int }
            #expect(ids == ids.sorted())

            // limit takes the oldest first.
            let firstTwo = try await api.call(.get, "/v1/messages?limit=2", as: bob).json["messages"] as? [[String: Any]]
            #expect(firstTwo?.compactMap { $0["id"] as? Int } == Array(ids.prefix(2)))
            // after pages on without acknowledging: the ids above the one given, still oldest first.
            let page =
                try await api.call(.get, "/v1/messages?limit=3&after=\(ids[1])", as: bob).json["messages"] as? [[String: Any]]
            #expect(page?.compactMap { $0["id"] as? Int } == Array(ids[2..<5]))
            let past = try await api.call(.get, "/v1/messages?after=\(ids[5])", as: bob).json["messages"] as? [[String: Any]]
            #expect(past?.isEmpty == true)
            let all = try await api.call(.get, "/v1/messages?after=0", as: bob).json["messages"] as? [[String: Any]]
            #expect(all?.compactMap { $0["id"] as? Int } == ids)
            // Someone else cannot acknowledge bob's messages.
            let foreign = try await api.call(.post, "/v1/messages/ack", json: ["ids": ids], as: alice)
            #expect(foreign.json["acknowledged"] as? Int == 0)
            let ack = try await api.call(.post, "/v1/messages/ack", json: ["ids": Array(ids.prefix(2))], as: bob)
            #expect(ack.json["acknowledged"] as? Int == 2)
            let rest = try await api.call(.get, "/v1/messages", as: bob).json["messages"] as? [[String: Any]]
            #expect(rest?.compactMap { $0["id"] as? Int } == Array(ids.dropFirst(2)))
            // Nothing for alice.
            #expect((try await api.call(.get, "/v1/messages", as: alice).json["messages"] as? [Any])?.isEmpty == true)
        }
    }

    @Test(arguments: Backend.allCases)
    func sendChecks(backend: Backend) async throws {
        var limits = ServerLimits()
        limits.maxMailboxDepth = 3
        try await withServer(backend, limits: limits) { api in
            let (_, bob) = try await api.readyUser("bob")
            let (_, alice) = try await api.readyUser("alice")
            func send(_ messages: [[String: Any]]) async throws -> Reply {
                try await api.call(.put, "/v1/messages", json: ["messages": messages], as: alice)
            }
            let big = b64([UInt8](repeating: 1, count: 256 * 1024 + 1))
            let tooBig = try await send([["user": "bob", "device": 1, "body": big]])
            #expect(tooBig.status == 413)
            #expect(tooBig.errorCode == "message_too_large")
            let exact = b64([UInt8](repeating: 1, count: 256 * 1024))
            #expect(try await send([["user": "bob", "device": 1, "body": exact]]).status == 200)
            #expect(try await send([["user": "bob", "device": 9, "body": "AA=="]]).errorCode == "unknown_device")
            #expect(try await send([["user": "nobody", "device": 1, "body": "AA=="]]).errorCode == "unknown_device")
            #expect(try await send([["user": "bob", "device": 1, "body": ""]]).errorCode == "empty_message")
            #expect(try await send([["user": "bob", "device": 1, "body": "%%%"]]).errorCode == "invalid_base64")
            // All or nothing: one bad recipient stores none of the batch.
            let mixed = try await send([
                ["user": "bob", "device": 1, "body": "AA=="], ["user": "bob", "device": 2, "body": "AA=="],
            ])
            #expect(mixed.status == 404)
            // Mailbox limit 3: one stored, two more fit, the fourth does not.
            #expect(
                try await send([["user": "bob", "device": 1, "body": "AA=="], ["user": "bob", "device": 1, "body": "AQ=="]])
                    .status == 200)
            let full = try await send([["user": "bob", "device": 1, "body": "Ag=="]])
            #expect(full.status == 409)
            #expect(full.errorCode == "mailbox_full")
            #expect((try await api.call(.get, "/v1/messages", as: bob).json["messages"] as? [Any])?.count == 3)
            for query in [
                "limit=0", "limit=1001", "limit=abc", "limit=-1", "limit=", "after=-1", "after=", "after=1x",
                "after=99999999999999999999", "after=9223372036854775808",
            ] {
                #expect(try await api.call(.get, "/v1/messages?\(query)", as: bob).errorCode == "invalid_parameter", "\(query)")
            }
        }
    }

    @Test(arguments: Backend.allCases)
    func messagesExpireAfterTTL(backend: Backend) async throws {
        try await withServer(backend) { api in
            let (_, bob) = try await api.readyUser("bob")
            let (_, alice) = try await api.readyUser("alice")
            let message = ["messages": [["user": "bob", "device": 1, "body": "AA=="]]]
            #expect(try await api.call(.put, "/v1/messages", json: message, as: alice).status == 200)
            api.clock.advance(milliseconds: 29 * 24 * 3600 * 1000)
            #expect((try await api.call(.get, "/v1/messages", as: bob).json["messages"] as? [Any])?.count == 1)
            api.clock.advance(milliseconds: 2 * 24 * 3600 * 1000)
            #expect((try await api.call(.get, "/v1/messages", as: bob).json["messages"] as? [Any])?.count == 0)
        }
    }
}

import Foundation
import Testing

@testable import ParleyKeyServer

/// The per-sender quota inside each mailbox (Specs/server-api.md §4), on every backend: one sender
/// device cannot take more than its share of another device's mailbox, and others still get in.
@Suite("Sender quota")
struct SenderQuotaTests {
    /// `count` tiny messages to bob's device 1, as one send body.
    static func junk(_ count: Int, to user: String = "bob") -> [String: Any] {
        ["messages": Array(repeating: ["user": user, "device": 1, "body": "AA=="] as [String: Any], count: count)]
    }

    /// Issue 13's attack at the defaults: a device with no contacts sends a full call of 1000
    /// messages to bob again and again. Its share (1000 of bob's 10,000) is taken by the first
    /// call; the rest are refused with `409 sender_quota`, all or nothing, and alice still gets in.
    @Test(arguments: Backend.allCases)
    func oneSenderCannotFillAMailbox(backend: Backend) async throws {
        try await withServer(backend) { api in
            let (_, bob) = try await api.readyUser("bob")
            let (_, alice) = try await api.readyUser("alice")
            let (_, mallory) = try await api.readyUser("mallory")
            #expect(try await api.call(.put, "/v1/messages", json: Self.junk(1000), as: mallory).status == 200)
            for count in [1000, 1] {
                let refused = try await api.call(.put, "/v1/messages", json: Self.junk(count), as: mallory)
                #expect(refused.status == 409)
                #expect(refused.errorCode == "sender_quota")
            }
            // All or nothing: a call with a message alice could take stores none of it.
            let mixed = try await api.call(
                .put, "/v1/messages",
                json: [
                    "messages": [["user": "alice", "device": 1, "body": "AQ=="], ["user": "bob", "device": 1, "body": "AQ=="]]
                ],
                as: mallory)
            #expect(mixed.errorCode == "sender_quota")
            #expect((try await api.call(.get, "/v1/messages", as: alice).json["messages"] as? [Any])?.isEmpty == true)
            // The quota is per recipient device: alice's mailbox has room for mallory.
            #expect(try await api.call(.put, "/v1/messages", json: Self.junk(1, to: "alice"), as: mallory).status == 200)
            // Another sender still gets into bob's mailbox.
            let hello = ["messages": [["user": "bob", "device": 1, "body": b64(Array("hello".utf8))]]]
            #expect(try await api.call(.put, "/v1/messages", json: hello, as: alice).status == 200)
            let first = try await api.call(.get, "/v1/messages?limit=1000", as: bob).json["messages"] as? [[String: Any]] ?? []
            #expect(first.count == 1000)
            #expect(first.allSatisfy { $0["sender_user"] as? String == "mallory" })
            let lastID = try #require(first.last?["id"] as? Int)
            let rest = try await api.call(.get, "/v1/messages?after=\(lastID)", as: bob).json["messages"] as? [[String: Any]]
            #expect(rest?.compactMap { $0["sender_user"] as? String } == ["alice"])

            // An acknowledgement frees quota: two acked, two more fit, the third does not.
            let acked = first.prefix(2).compactMap { $0["id"] as? Int }
            #expect(
                try await api.call(.post, "/v1/messages/ack", json: ["ids": acked], as: bob).json["acknowledged"] as? Int == 2)
            #expect(try await api.call(.put, "/v1/messages", json: Self.junk(2), as: mallory).status == 200)
            #expect(try await api.call(.put, "/v1/messages", json: Self.junk(1), as: mallory).errorCode == "sender_quota")
        }
    }
}

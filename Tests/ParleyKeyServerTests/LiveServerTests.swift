import Foundation
import HummingbirdTesting
import Testing

@testable import ParleyKeyServer

/// The same flows over a real HTTP connection on 127.0.0.1 (headers, bodies and status codes as
/// they cross the wire).
@Suite("Live server on loopback")
struct LiveServerTests {
    @Test(arguments: Backend.allCases)
    func registerSendFetchAck(backend: Backend) async throws {
        try await withServer(backend, setup: .live) { api in
            let (_, bob) = try await api.readyUser("bob", oneTime: 2)
            let (_, alice) = try await api.readyUser("alice")
            let claim = try await api.call(.post, "/v1/keys/claim", json: ["user": "bob"], as: alice)
            #expect((claim.json["bundles"] as? [[String: Any]])?.first?["one_time_prekey"] is String)
            let sent = try await api.call(
                .put, "/v1/messages", json: ["messages": [["user": "bob", "device": 1, "body": b64(Array("hi".utf8))]]],
                as: alice)
            #expect(sent.status == 200)
            let fetched = try await api.call(.get, "/v1/messages?limit=10", as: bob)
            let envelope = try #require((fetched.json["messages"] as? [[String: Any]])?.first)
            #expect(envelope["body"] as? String == b64(Array("hi".utf8)))
            #expect(envelope["sender_user"] as? String == "alice")
            let id = try #require(envelope["id"] as? Int)
            #expect(try await api.call(.post, "/v1/messages/ack", json: ["ids": [id]], as: bob).json["acknowledged"] as? Int == 1)
            let garbage = try await api.call(.post, "/v1/keys/claim", raw: Array("{]".utf8), as: alice)
            #expect(garbage.status == 400)
            #expect(garbage.errorCode == "malformed_json")
            #expect(try await api.call(.get, "/v1/unknown").errorCode == "not_found")
        }
    }
}

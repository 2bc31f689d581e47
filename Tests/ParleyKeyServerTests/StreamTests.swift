import Foundation
import HTTPTypes
import HummingbirdTesting
import HummingbirdWSClient
import Logging
import Testing

@testable import ParleyKeyServer

/// `GET /v1/stream`: WebSocket push over a live server on 127.0.0.1 (Specs/server-api.md §5.6).
@Suite("WebSocket push")
struct StreamTests {
    /// What the client side saw, written from the WebSocket handler.
    final class Seen: @unchecked Sendable {
        private let lock = NSLock()
        private var frames: [String] = []
        private var connected = false

        func connect() { lock.withLock { connected = true } }
        func add(_ frame: String) { lock.withLock { frames.append(frame) } }
        var all: [String] { lock.withLock { frames } }
        var didConnect: Bool { lock.withLock { connected } }
    }

    @Test(arguments: Backend.allCases)
    func pushesEnvelopesAsTheyArrive(backend: Backend) async throws {
        try await withServer(backend, setup: .live) { api in
            let (_, bob) = try await api.readyUser("bob")
            let (_, alice) = try await api.readyUser("alice")
            let port = try #require(api.client.port)
            let body = b64(Array("pushed".utf8))
            let (connected, pushed) = try await firstPushedFrame(
                port: port, headers: api.signedHeaders(.get, "/v1/stream", as: bob)
            ) {
                let message = ["messages": [["user": "bob", "device": 1, "body": body]]]
                _ = try await api.call(.put, "/v1/messages", json: message, as: alice)
            }
            #expect(connected)
            let frame = try #require(pushed)
            let json = try #require(try JSONSerialization.jsonObject(with: Data(frame.utf8)) as? [String: Any])
            #expect(json["sender_user"] as? String == "alice")
            #expect(json["sender_device"] as? Int == 1)
            #expect(json["body"] as? String == body)
            #expect(json["timestamp"] is Int)
            // The pushed envelope is a pending one: the client acks it over HTTP.
            let id = try #require(json["id"] as? Int)
            let ack = try await api.call(.post, "/v1/messages/ack", json: ["ids": [id]], as: bob)
            #expect(ack.json["acknowledged"] as? Int == 1)
        }
    }

    @Test func unsignedUpgradeIsRefused() async throws {
        try await withServer(.memory, setup: .live) { api in
            let (_, bob) = try await api.readyUser("bob")
            let port = try #require(api.client.port)
            var forged = api.signedHeaders(.get, "/v1/stream", as: bob)
            forged[HTTPField.Name("Parley-Signature")!] = b64([UInt8](repeating: 1, count: 64))
            for headers in [HTTPFields(), forged] {
                let seen = Seen()
                do {
                    try await WebSocketClient.connect(
                        url: "ws://127.0.0.1:\(port)/v1/stream", configuration: .init(additionalHeaders: headers),
                        logger: Logger(label: "test-client")
                    ) { _, outbound, _ in
                        seen.connect()
                        try await outbound.close(.normalClosure, reason: nil)
                    }
                } catch {
                    // The refused upgrade surfaces as a client error; either way no socket opened.
                }
                #expect(!seen.didConnect)
            }
        }
    }
}

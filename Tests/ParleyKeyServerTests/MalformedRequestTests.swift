import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@testable import ParleyKeyServer

@Suite("Malformed requests are 4xx JSON, never 5xx")
struct MalformedRequestTests {
    @Test(arguments: Backend.allCases)
    func malformedBodies(backend: Backend) async throws {
        try await withServer(backend) { api in
            let (account, dev) = try await api.readyUser("ivan")
            let routes: [(HTTPRequest.Method, String)] = [
                (.post, "/v1/devices"), (.put, "/v1/devices/list"), (.put, "/v1/keys/signed-prekey"),
                (.post, "/v1/keys/one-time"),
                (.post, "/v1/keys/claim"), (.put, "/v1/messages"), (.post, "/v1/messages/ack"),
            ]
            let bodies: [[UInt8]] = [
                Array("{".utf8), Array("[]".utf8), Array("null".utf8), Array(#"{"keys": "x"}"#.utf8),
                Array(#"{"user": 5, "devices": ["a"]}"#.utf8),
                Array(#"{"messages": [{"user": "ivan", "device": -1, "body": "AA=="}]}"#.utf8),
                Array(#"{"ids": [1.5]}"#.utf8), Array(#"{"id": 4294967296, "identity_key": "", "certificate": ""}"#.utf8),
                [0xFF, 0xFE, 0x00], [],
            ]
            for (method, path) in routes {
                for body in bodies {
                    let reply = try await api.call(method, path, raw: body, as: dev)
                    #expect((400..<500).contains(reply.status), "\(method) \(path) \(reply.status)")
                    #expect(reply.contentType == "application/json")
                    #expect(reply.errorCode != nil && reply.json["message"] is String)
                }
            }
            // Registration with wrong key lengths and bad base64.
            let device = try account.device(5)
            var body = account.registration(device)
            body["account_key"] = b64([1, 2, 3])
            #expect(try await api.call(.post, "/v1/accounts", json: body, as: device).errorCode == "invalid_key")
            body["account_key"] = "!!"
            #expect(try await api.call(.post, "/v1/accounts", json: body, as: device).errorCode == "invalid_base64")
            #expect(try await api.call(.post, "/v1/accounts", raw: Array("{}".utf8), as: device).errorCode == "malformed_json")
        }
    }

    @Test func unknownRoutesAndMethods() async throws {
        try await withServer(.memory) { api in
            for (method, path) in [
                (HTTPRequest.Method.get, "/"), (.get, "/v2/accounts"), (.get, "/v1/accounts"), (.patch, "/v1/messages"),
                (.get, "/v1/users/a/b/c"), (.delete, "/health"),
            ] {
                let reply = try await api.call(method, path)
                #expect(reply.status == 404, "\(method) \(path)")
                #expect(reply.errorCode == "not_found")
                #expect(reply.contentType == "application/json")
            }
        }
    }

    @Test func oversizedBody() async throws {
        var limits = ServerLimits()
        limits.maxRequestBytes = 1024
        try await withServer(.memory, limits: limits) { api in
            let (_, dev) = try await api.readyUser("jack")
            let reply = try await api.call(.put, "/v1/messages", raw: [UInt8](repeating: 0x20, count: 4096), as: dev)
            #expect(reply.status == 413)
            #expect(reply.errorCode == "body_too_large")
        }
    }

    /// `/metrics` counts the API listener's requests but is served only by the operator's
    /// router (its own listener in `parley-server`); the API answers it `404`.
    @Test func healthAndMetrics() async throws {
        try await Backend.sqlite.withStorage { storage in
            let clock = TestClock()
            let data = temporaryDirectory("parley-metrics")
            defer { try? FileManager.default.removeItem(at: data) }
            let configuration = KeyServerConfiguration(
                host: "127.0.0.1", port: 0, clock: clock.serverClock, dataDirectory: data.path)
            let counters = ServerMetrics()
            let app = Application(router: buildRouter(configuration: configuration, storage: storage, metrics: counters))
            let dev = try await app.test(.router) { client in
                let api = TestAPI(client: client, clock: clock)
                let (_, dev) = try await api.readyUser("kate", oneTime: 4)
                #expect(try await api.call(.get, "/health").json["status"] as? String == "ok")
                _ = try await api.call(.get, "/nope")
                #expect(try await api.call(.get, "/metrics").status == 404)
                return dev
            }
            let operatorApp = Application(
                router: buildMetricsRouter(configuration: configuration, storage: storage, metrics: counters))
            try await operatorApp.test(.router) { client in
                let metrics = try await TestAPI(client: client, clock: clock).call(.get, "/metrics")
                #expect(metrics.status == 200)
                #expect(metrics.contentType?.hasPrefix("text/plain") == true)
                let text = String(decoding: metrics.body, as: UTF8.self)
                #expect(text.contains(#"parley_http_requests_total{route="/health",method="GET",status="200"} 1"#))
                #expect(text.contains(#"parley_http_requests_total{route="NotFound",method="GET",status="404"} 2"#))
                #expect(text.contains(#"parley_http_request_duration_seconds_count{route="/v1/keys/one-time"} 1"#))
                #expect(text.contains("parley_one_time_prekeys 4\n"))
                #expect(text.contains("parley_mailbox_depth 0\n"))
                // No key material in metrics: not even the device's identity key prefix.
                #expect(!text.contains(b64(dev.key.publicKey.rawRepresentation).prefix(12)))
            }
        }
    }
}

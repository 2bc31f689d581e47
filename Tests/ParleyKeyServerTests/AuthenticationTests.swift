import Foundation
import HTTPTypes
import Testing

@testable import ParleyKeyServer

@Suite("Request authentication")
struct AuthenticationTests {
    @Test(arguments: Backend.allCases)
    func eachRejectionReason(backend: Backend) async throws {
        try await withServer(backend) { api in
            let (account, device) = try await api.readyUser("dave")
            #expect(try await api.call(.get, "/v1/keys/count", as: device).status == 200)

            // No headers at all.
            let bare = try await api.call(.get, "/v1/keys/count")
            #expect(bare.status == 401)
            #expect(bare.errorCode == "auth_required")
            // Unknown device (valid syntax, never registered).
            let unknown = try account.device(99)
            let unknownReply = try await api.call(.get, "/v1/keys/count", as: unknown)
            #expect(unknownReply.status == 401)
            #expect(unknownReply.errorCode == "auth_unknown_device")
            // Signed by another key.
            let wrongKey = try await api.call(.get, "/v1/keys/count", as: device, signer: try account.device(1))
            #expect(wrongKey.status == 401)
            #expect(wrongKey.errorCode == "auth_bad_signature")
            // Stale and future timestamps (more than 300 s off).
            let now = api.clock.now()
            for stamp in [now - 301_000, now + 301_000] {
                let stale = try await api.call(.get, "/v1/keys/count", as: device, timestamp: stamp)
                #expect(stale.status == 401)
                #expect(stale.errorCode == "auth_stale_timestamp")
            }
            // Just inside the window is accepted.
            #expect(try await api.call(.get, "/v1/keys/count", as: device, timestamp: now - 299_000).status == 200)
            // The same signed request twice: the second is a replay.
            let stamp = api.clock.now()
            #expect(try await api.call(.get, "/v1/keys/count", as: device, timestamp: stamp).status == 200)
            let replay = try await api.call(.get, "/v1/keys/count", as: device, timestamp: stamp)
            #expect(replay.status == 401)
            #expect(replay.errorCode == "auth_replayed")
        }
    }

    @Test(arguments: Backend.allCases)
    func signatureCoversMethodPathAndBody(backend: Backend) async throws {
        try await withServer(backend) { api in
            let (_, device) = try await api.readyUser("erin")
            let body = Array(#"{"keys":[]}"#.utf8)
            let stamp = String(api.clock.now())
            let input = RequestSignature.signingInput(
                method: "POST", pathWithQuery: "/v1/keys/one-time", timestamp: stamp, body: body)
            var headers = HTTPFields()
            headers[HTTPField.Name("Parley-Device")!] = device.address
            headers[HTTPField.Name("Parley-Timestamp")!] = stamp
            headers[HTTPField.Name("Parley-Signature")!] = b64(device.key.signature(for: input))
            // Another body, another path, another method: each breaks the signature.
            let tampered = try await api.send(.post, "/v1/keys/one-time", headers: headers, body: Array(#"{"keys":[""]}"#.utf8))
            #expect(tampered.errorCode == "auth_bad_signature")
            let otherPath = try await api.send(.post, "/v1/keys/claim", headers: headers, body: body)
            #expect(otherPath.errorCode == "auth_bad_signature")
            let otherMethod = try await api.send(.put, "/v1/messages", headers: headers, body: body)
            #expect(otherMethod.errorCode == "auth_bad_signature")
            // The original goes through (failed attempts record nothing).
            #expect(try await api.send(.post, "/v1/keys/one-time", headers: headers, body: body).status == 200)
        }
    }

    @Test(arguments: Backend.allCases)
    func malformedHeaders(backend: Backend) async throws {
        try await withServer(backend) { api in
            let (_, device) = try await api.readyUser("fred")
            let good = String(api.clock.now())
            let cases: [(String, String, String, String)] = [
                ("fred", good, "AAAA", "auth_required"),  // no device id
                ("fred/-1", good, "AAAA", "auth_required"),
                ("fred/4294967296", good, "AAAA", "auth_required"),
                ("fred/1", "12.5", "AAAA", "auth_required"),
                ("fred/1", "-5", "AAAA", "auth_required"),
                ("fred/1", good, "not base64!", "auth_bad_signature"),
                ("fred/1", good, b64([1, 2, 3]), "auth_bad_signature"),
            ]
            for (deviceHeader, stamp, signature, code) in cases {
                var headers = HTTPFields()
                headers[HTTPField.Name("Parley-Device")!] = deviceHeader
                headers[HTTPField.Name("Parley-Timestamp")!] = stamp
                headers[HTTPField.Name("Parley-Signature")!] = signature
                let reply = try await api.send(.get, "/v1/keys/count", headers: headers, body: [])
                #expect(reply.status == 401, "\(deviceHeader) \(stamp) \(signature)")
                #expect(reply.errorCode == code, "\(deviceHeader) \(stamp) \(signature)")
            }
            _ = device
        }
    }
}

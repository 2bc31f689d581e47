import Foundation
import ParleyCrypto
import ParleyKeyServer
import Testing

/// Forged requests (a known device id, random signatures) from one client address, against a real
/// `parley-server` on 127.0.0.1: each cost the server an Ed25519 verification, without bound.
/// Now the address's budget of failed authentications runs out and its requests are answered
/// `429` before any signature is checked, while other addresses are served as before.
@Suite("Failed authentications against a real parley-server", .serialized)
struct AuthenticationFailureProcessTests {
    /// `GET /v1/keys/count` by `device` with `signature`, or its genuine one.
    static func countRequest(_ client: ExternalClient, as device: TestDevice, signature: [UInt8]? = nil) -> [UInt8] {
        let stamp = String(client.clock.now())
        let input = RequestSignature.signingInput(
            method: "GET", pathWithQuery: "/v1/keys/count", timestamp: stamp, bodyDigest: SHA256.hash([]))
        let signed = signature ?? device.key.signature(for: input)
        let head =
            "GET /v1/keys/count HTTP/1.1\r\nHost: 127.0.0.1\r\nParley-Device: \(device.address)\r\n"
            + "Parley-Timestamp: \(stamp)\r\nParley-Signature: \(Data(signed).base64EncodedString())\r\n\r\n"
        return Array(head.utf8)
    }

    static func status(_ request: [UInt8], port: Int, from source: String? = nil) throws -> Int? {
        let connection = try RawHTTPConnection(port: port, from: source)
        connection.send(request)
        return connection.responseStatus()?.status
    }

    @Test func forgedRequestsFromOneAddressAreRefusedBeforeVerification() async throws {
        try await SenderQuotaProcessTests.withServerProcess(["--auth-failure-burst", "5", "--auth-failure-per-minute", "1"]) {
            client in
            let (alice, _) = try await client.registerAliceAndBob()
            let forged = [UInt8](repeating: 7, count: 64)
            for _ in 0..<5 {
                #expect(try Self.status(Self.countRequest(client, as: alice, signature: forged), port: client.port) == 401)
            }
            // The budget is spent: refused before the signature is looked at (before: 401 again,
            // after one more verification).
            #expect(try Self.status(Self.countRequest(client, as: alice, signature: forged), port: client.port) == 429)
            // Everyone at that address waits (the price of limiting by address) ...
            #expect(try Self.status(Self.countRequest(client, as: alice), port: client.port) == 429)
            // ... and another address is served.
            #expect(try Self.status(Self.countRequest(client, as: alice), port: client.port, from: "127.0.0.2") == 200)
        }
    }
}

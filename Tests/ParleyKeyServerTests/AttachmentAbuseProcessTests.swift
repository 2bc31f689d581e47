import Foundation
import ParleyCrypto
import ParleyKeyServer
import ParleyTestSupport
import Testing

/// Issue 13's disk-filling attacks through attachments, against a real `parley-server` process
/// on 127.0.0.1: nothing is read before the signature verified, a body must have the digest the
/// signature covers, uploads are bounded per device in number and bytes, and a trickled body is
/// cut off.
@Suite("Attachment abuse against a real parley-server", .serialized)
struct AttachmentAbuseProcessTests {
    static func withServerProcess(
        _ arguments: [String] = [], _ body: (ExternalClient, TestDevice, URL) async throws -> Void
    ) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("parley-upload-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        var server = try ServerProcess(
            database: "sqlite:" + directory.appendingPathComponent("server.sqlite").path,
            dataDirectory: directory.appendingPathComponent("data").path, extraArguments: arguments)
        defer { server.kill() }
        let client = ExternalClient(port: try await server.waitUntilListening())
        let (alice, _) = try await client.registerAliceAndBob()
        try await body(client, alice, directory.appendingPathComponent("data/attachments"))
    }

    /// The head of `PUT /v1/attachments` signed by `device` over `digest`.
    static func uploadHead(
        _ client: ExternalClient, as device: TestDevice, digest: [UInt8], length: Int, signature: [UInt8]? = nil
    ) -> [UInt8] {
        let stamp = String(client.clock.now())
        let input = RequestSignature.signingInput(
            method: "PUT", pathWithQuery: "/v1/attachments", timestamp: stamp, bodyDigest: digest)
        let signed = signature ?? device.key.signature(for: input)
        let head =
            "PUT /v1/attachments HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/octet-stream\r\n"
            + "Content-Length: \(length)\r\nParley-Device: \(device.address)\r\nParley-Timestamp: \(stamp)\r\n"
            + "Parley-Signature: \(b64(signed))\r\nParley-Content-SHA256: \(Hex.encode(digest))\r\n\r\n"
        return Array(head.utf8)
    }

    static func files(in attachments: URL) -> [String] {
        let incoming =
            (try? FileManager.default.contentsOfDirectory(atPath: attachments.appendingPathComponent("incoming").path)) ?? []
        let stored = (try? FileManager.default.contentsOfDirectory(atPath: attachments.path)) ?? []
        return incoming + stored.filter { $0 != "incoming" }
    }

    @Test func aForgedSignatureIsRefusedBeforeAnyBodyIsRead() async throws {
        try await Self.withServerProcess { client, alice, attachments in
            // A known address, a random signature, 50 MiB announced, no body sent: the answer
            // comes without the server waiting for a byte (before: it streamed the body first).
            let connection = try RawHTTPConnection(port: client.port)
            let forged = Array(repeating: UInt8(7), count: 64)
            connection.send(Self.uploadHead(client, as: alice, digest: SHA256.hash([1]), length: 50 << 20, signature: forged))
            let answer = connection.responseStatus()
            #expect(answer?.status == 401)
            #expect(answer?.text.contains("auth_bad_signature") == true)
            #expect(Self.files(in: attachments).isEmpty)
        }
    }

    @Test func aBodyMustHaveTheSignedDigest() async throws {
        try await Self.withServerProcess { client, alice, attachments in
            let connection = try RawHTTPConnection(port: client.port)
            connection.send(
                Self.uploadHead(client, as: alice, digest: SHA256.hash(Array(repeating: 1, count: 1000)), length: 1000))
            connection.send(Array(repeating: 2, count: 1000))
            let answer = connection.responseStatus()
            #expect(answer?.status == 400)
            #expect(answer?.text.contains("digest_mismatch") == true)
            #expect(Self.files(in: attachments).isEmpty)
            // Without the digest header: refused from the head alone (the server answers and closes
            // without reading the body, so the request goes over a raw socket that reads the answer
            // before sending any body).
            let withoutDigest = try RawHTTPConnection(port: client.port)
            let head = String(decoding: Self.uploadHead(client, as: alice, digest: SHA256.hash([1]), length: 1), as: UTF8.self)
            let stripped = head.split(separator: "\r\n", omittingEmptySubsequences: false)
                .filter { !$0.hasPrefix("Parley-Content-SHA256:") }.joined(separator: "\r\n")
            withoutDigest.send(Array(stripped.utf8))
            #expect(withoutDigest.responseStatus()?.status == 400)
            #expect(Self.files(in: attachments).isEmpty)
        }
    }

    @Test func uploadsPerDeviceAreBoundedInNumberAndBytes() async throws {
        try await Self.withServerProcess(["--max-concurrent-uploads-per-device", "1", "--attachment-bytes-per-day", "100000"]) {
            client, alice, attachments in
            let body = Array(repeating: UInt8(3), count: 60_000)
            // One upload holds its slot: the head and 10 bytes. It was admitted once the server
            // made the folder for part files (made by the first admitted upload).
            let first = try RawHTTPConnection(port: client.port)
            first.send(Self.uploadHead(client, as: alice, digest: SHA256.hash(body), length: body.count))
            first.send(Array(body[0..<10]))
            let incoming = attachments.appendingPathComponent("incoming").path
            let deadline = ContinuousClock.now + .seconds(30)
            while !FileManager.default.fileExists(atPath: incoming), ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(20))
            }
            let second = try RawHTTPConnection(port: client.port)
            second.send(Self.uploadHead(client, as: alice, digest: SHA256.hash(body), length: body.count))
            #expect(second.responseStatus()?.status == 429)
            first.send(Array(body[10...]))
            #expect(first.responseStatus()?.status == 201)
            // 60,000 of 100,000 bytes used: another 60,000 does not fit today.
            let third = try RawHTTPConnection(port: client.port)
            third.send(Self.uploadHead(client, as: alice, digest: SHA256.hash(body), length: body.count))
            let refused = third.responseStatus()
            #expect(refused?.status == 429)
            #expect(refused?.text.contains("Retry-After") == true)
        }
    }

    @Test func aTrickledBodyIsCutOff() async throws {
        try await Self.withServerProcess(["--min-upload-rate", "100000", "--upload-grace-seconds", "1"]) {
            client, alice, attachments in
            let body = Array(repeating: UInt8(4), count: 1000)
            let connection = try RawHTTPConnection(port: client.port)
            connection.send(Self.uploadHead(client, as: alice, digest: SHA256.hash(body), length: body.count))
            // One byte every 100 ms (the attack), until the server answers: at most 900 bytes.
            var sent = 0
            while !connection.hasAnswer(), sent < 900 {
                guard connection.send([body[sent]]) else { break }
                sent += 1
                try await Task.sleep(for: .milliseconds(100))
            }
            let answer = connection.responseStatus()
            #expect(answer?.status == 408)
            #expect(answer?.text.contains("upload_too_slow") == true)
            #expect(Self.files(in: attachments).isEmpty)
        }
    }
}

import Foundation
import HTTPTypes
import ParleyTestSupport
import Testing

/// Issue 13 item 9 against a real `parley-server` process: every malformed request gets a 4xx
/// JSON answer (or, when the client is still sending an oversized head, a prompt close), never a
/// 5xx and never silence on an open connection. Before: a truncated body or a bad chunk size was
/// `500 internal`; an unknown method, `Transfer-Encoding` with `Content-Length`, a 200 KB header
/// and a 100 KB path got no answer on a connection left open; a refused stream upgrade was an
/// empty `400`.
@Suite("Malformed requests against a real parley-server", .serialized)
struct MalformedRequestProcessTests {
    static let head = "Host: 127.0.0.1\r\nContent-Type: application/json\r\n"

    /// Requests the server reads to the end: each answered with a 4xx JSON error, then closed.
    static let answered: [(name: String, request: String, halfClose: Bool)] = [
        ("truncated body", "POST /v1/accounts HTTP/1.1\r\n\(head)Content-Length: 100\r\n\r\n{\"user\": \"a", true),
        ("bad chunk size", "POST /v1/accounts HTTP/1.1\r\n\(head)Transfer-Encoding: chunked\r\n\r\nZZ\r\n{}\r\n0\r\n\r\n", false),
        ("unknown method", "BREW /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", false),
        (
            "Transfer-Encoding with Content-Length",
            "POST /v1/accounts HTTP/1.1\r\n\(head)Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", false
        ),
    ]

    @Test func malformedRequestsGetA4xxJSONAnswerAndAClose() async throws {
        try await SenderQuotaProcessTests.withServerProcess { client in
            for (name, request, halfClose) in Self.answered {
                let connection = try RawConnection(port: client.port)
                defer { connection.close() }
                connection.send(request)
                if halfClose { connection.shutdownWrite() }
                let reading = await connection.read(within: 30)
                #expect(
                    reading.text.range(of: #"^HTTP/1\.1 4\d\d "#, options: .regularExpression) != nil,
                    "\(name): \(reading.text.prefix(120))")
                #expect(reading.text.lowercased().contains("content-type: application/json"), "\(name)")
                #expect(reading.text.contains(#""error":""#), "\(name)")
                #expect(reading.closedByServer, "\(name): the connection stayed open")
            }
        }
    }

    /// Heads larger than the server reads: answered `431` or closed while the client still
    /// sends, but never left open.
    @Test func oversizedHeadsAreRefusedPromptly() async throws {
        try await SenderQuotaProcessTests.withServerProcess { client in
            let requests = [
                (
                    "200 KB header",
                    "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: \(String(repeating: "a", count: 200_000))\r\n\r\n"
                ),
                ("100 KB path", "GET /\(String(repeating: "a", count: 100_000)) HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"),
            ]
            for (name, request) in requests {
                let connection = try RawConnection(port: client.port)
                defer { connection.close() }
                let sender = Task { connection.send(request) }
                let reading = await connection.read(within: 30)
                _ = await sender.value
                #expect(reading.closedByServer, "\(name): the connection stayed open")
                if !reading.bytes.isEmpty {
                    #expect(reading.text.hasPrefix("HTTP/1.1 4"), "\(name): \(reading.text.prefix(120))")
                }
            }
        }
    }

    /// A stream upgrade that fails authentication is the documented `401` JSON error.
    @Test func aRefusedStreamUpgradeIsA401JSONError() async throws {
        try await SenderQuotaProcessTests.withServerProcess { client in
            let (_, bob) = try await client.registerAliceAndBob()
            let signed = RawStream.upgradeRequest(as: bob, clock: client.clock)
            let forged = signed.replacingOccurrences(
                of: #"Parley-Signature: [^\r]*"#, with: "Parley-Signature: \(b64([UInt8](repeating: 1, count: 64)))",
                options: .regularExpression)
            let unsigned = signed.replacingOccurrences(of: #"Parley-[^\r]*\r\n"#, with: "", options: .regularExpression)
            for (request, code) in [(forged, "auth_bad_signature"), (unsigned, "auth_required")] {
                let connection = try RawConnection(port: client.port)
                defer { connection.close() }
                connection.send(request)
                let reading = await connection.read(within: 30)
                #expect(reading.text.hasPrefix("HTTP/1.1 401"), "\(reading.text.prefix(120))")
                #expect(reading.text.lowercased().contains("content-type: application/json"))
                #expect(reading.text.contains(#""error":"\#(code)""#), "\(reading.text)")
            }
        }
    }
}

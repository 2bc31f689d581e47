import Foundation
import ParleyTestSupport
import Testing

/// Issue 13 item 8 against a real `parley-server` process: idle and slow connections are closed,
/// and one client address cannot take every connection (before: an idle socket, partial headers
/// and a partial body were all still open after 150 s, and 220 idle sockets starved `/health`).
@Suite("Connection limits against a real parley-server", .serialized)
struct ConnectionLimitProcessTests {
    @Test func anIdleSocketIsClosed() async throws {
        try await SenderQuotaProcessTests.withServerProcess(["--idle-timeout", "1"]) { client in
            let connection = try RawConnection(port: client.port)
            defer { connection.close() }
            #expect(await connection.read(within: 30).closedByServer, "an idle socket stayed open")
        }
    }

    @Test func aPartialBodyIsClosed() async throws {
        try await SenderQuotaProcessTests.withServerProcess(["--idle-timeout", "1"]) { client in
            let connection = try RawConnection(port: client.port)
            defer { connection.close() }
            connection.send("POST /v1/accounts HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n\r\n{\"user\":")
            let reading = await connection.read(within: 30)
            #expect(reading.closedByServer, "a connection with a stalled body stayed open")
            #expect(!reading.text.hasPrefix("HTTP/1.1 5"), "\(reading.text.prefix(100))")
        }
    }

    /// Headers trickled a byte every 100 ms are never idle; the head timeout still ends them.
    @Test func headersTrickledByteByByteEndWith408() async throws {
        try await SenderQuotaProcessTests.withServerProcess(["--request-head-timeout", "1", "--idle-timeout", "60"]) {
            client in
            let connection = try RawConnection(port: client.port)
            defer { connection.close() }
            connection.send("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            // At most 300 bytes (30 s); ends as soon as the server answers or closes.
            let trickle = Task {
                for _ in 0..<300 {
                    guard connection.send("X") else { return }
                    try await Task.sleep(for: .milliseconds(100))
                }
            }
            defer { trickle.cancel() }
            let reading = await connection.read(within: 40)
            #expect(reading.closedByServer, "trickled headers kept the connection open")
            #expect(reading.text.hasPrefix("HTTP/1.1 408"), "\(reading.text.prefix(100))")
            #expect(reading.text.contains(#""error":"request_timeout""#))
        }
    }

    /// The review's attack on a server limited to 200 file descriptors: 220 idle sockets from
    /// 127.0.0.1; `/health` from another loopback address must still answer.
    @Test func oneAddressCannotStarveTheOthers() async throws {
        try await SenderQuotaProcessTests.withServerProcess(["--connections-per-address", "16"], fileLimit: 200) { client in
            var idle: [RawConnection] = []
            defer { for connection in idle { connection.close() } }
            for _ in 0..<220 {
                guard let connection = try? RawConnection(port: client.port) else { break }
                idle.append(connection)
            }
            // The server closes every socket past 16 (which 16 stay open depends on the order the
            // server's event loops take them up). 20 s for all of them together.
            let deadline = Date().addingTimeInterval(20)
            var refused = 0
            for connection in idle {
                let reading = await connection.read(within: max(0.2, deadline.timeIntervalSinceNow))
                if reading.closedByServer { refused += 1 }
            }
            #expect(refused == idle.count - 16, "\(idle.count - 16 - refused) sockets past the limit stayed open")
            let other = try RawConnection(port: client.port, from: "127.0.0.2")
            defer { other.close() }
            other.send("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            let health = await other.read(within: 30)
            #expect(health.text.hasPrefix("HTTP/1.1 200"), "\(health.text.prefix(100))")
        }
    }
}

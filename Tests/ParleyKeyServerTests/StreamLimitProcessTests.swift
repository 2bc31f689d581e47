import Foundation
import ParleyTestSupport
import Testing

/// Issue 13 item 5 against a real `parley-server` process: a device cannot open streams without
/// bound, and a stream whose client stops reading (or answering pings) is closed instead of
/// holding up to 1000 envelopes of 256 KiB (before: 300 sockets for one device were accepted and
/// a non-reading socket stayed open with everything buffered).
@Suite("Stream limits against a real parley-server", .serialized)
struct StreamLimitProcessTests {
    @Test func aDeviceGetsNoMoreStreamsThanItsLimit() async throws {
        try await SenderQuotaProcessTests.withServerProcess(["--streams-per-device", "2"]) { client in
            let (_, bob) = try await client.registerAliceAndBob()
            var open: [RawConnection] = []
            defer { for connection in open { connection.close() } }
            for _ in 0..<2 {
                let (stream, head) = try await RawStream.open(port: client.port, as: bob, clock: client.clock)
                open.append(stream)
                #expect(head.text.hasPrefix("HTTP/1.1 101"), "\(head.text)")
            }
            let (third, head) = try await RawStream.open(port: client.port, as: bob, clock: client.clock)
            open.append(third)
            let answer = await third.read(within: 30)
            let text = head.text + answer.text
            #expect(text.hasPrefix("HTTP/1.1 429"), "\(text.prefix(200))")
            #expect(text.contains(#""error":"too_many_streams""#))
            #expect(answer.closedByServer)
        }
    }

    /// Only the byte cap can end this stream (writes may wait ten minutes).
    @Test func aStreamPastItsBufferedBytesIsClosed() async throws {
        try await Self.nonReadingStreamIsClosed(["--stream-buffer-bytes", "1048576", "--stream-write-timeout", "600"])
    }

    /// Only the write timeout can end this stream (its buffer holds 64 MiB).
    @Test func aStreamWhoseClientStopsReadingIsClosed() async throws {
        try await Self.nonReadingStreamIsClosed(["--stream-buffer-bytes", "67108864", "--stream-write-timeout", "2"])
    }

    /// A client that reads but never answers a ping is closed after the next ping.
    @Test func aStreamThatDoesNotAnswerPingsIsClosed() async throws {
        try await SenderQuotaProcessTests.withServerProcess(["--stream-ping-interval", "1"]) { client in
            let (_, bob) = try await client.registerAliceAndBob()
            let (stream, head) = try await RawStream.open(port: client.port, as: bob, clock: client.clock)
            defer { stream.close() }
            #expect(head.text.hasPrefix("HTTP/1.1 101"))
            #expect(await stream.read(within: 30).closedByServer, "a stream without pongs stayed open")
        }
    }

    /// bob's stream reads nothing while alice sends him 60 messages of 200 KiB (12 MB: more than
    /// the kernel's socket buffers and a 1 MiB stream buffer hold). With one stream allowed per
    /// device, a second stream opens once the server dropped the first; then the first, drained,
    /// must end (it would otherwise deliver everything and stay open).
    static func nonReadingStreamIsClosed(_ arguments: [String]) async throws {
        try await SenderQuotaProcessTests.withServerProcess(arguments + ["--streams-per-device", "1"]) { client in
            let (alice, bob) = try await client.registerAliceAndBob()
            let (stream, head) = try await RawStream.open(
                port: client.port, as: bob, clock: client.clock, receiveBuffer: 16 * 1024)
            defer { stream.close() }
            #expect(head.text.hasPrefix("HTTP/1.1 101"))
            let body = b64([UInt8](repeating: 0x42, count: 200 * 1024))
            for _ in 0..<60 {
                let message: [String: Any] = ["user": "bob", "device": 1, "body": body]
                #expect(try await client.call(.put, "/v1/messages", json: ["messages": [message]], as: alice).status == 200)
            }
            // The event: the server let go of the first stream (at most 300 tries, 200 ms apart).
            var replaced = false
            for _ in 0..<300 where !replaced {
                let (second, answer) = try await RawStream.open(port: client.port, as: bob, clock: client.clock)
                second.close()
                replaced = answer.text.hasPrefix("HTTP/1.1 101")
                if !replaced { try await Task.sleep(for: .milliseconds(200)) }
            }
            #expect(replaced, "the first stream was never dropped")
            let drained = await stream.read(within: 30)
            #expect(drained.closedByServer, "a stream that did not read stayed open")
        }
    }
}

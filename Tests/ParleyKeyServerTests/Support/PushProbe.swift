import Foundation
import HTTPTypes
import HummingbirdWSClient
import Logging

/// Connects to `GET /v1/stream` on 127.0.0.1:`port` with `headers` and calls `send` until the
/// first text frame arrives (the server subscribes right after the upgrade, so a first send may
/// beat it): at most 300 sends, 100 ms apart. Returns whether the socket opened and the frame.
func firstPushedFrame(
    port: Int, headers: HTTPFields, send: @escaping @Sendable () async throws -> Void
) async throws -> (connected: Bool, frame: String?) {
    let seen = StreamTests.Seen()
    let configuration = WebSocketClientConfiguration(maxFrameSize: 1 << 20, additionalHeaders: headers)
    try await WebSocketClient.connect(
        url: "ws://127.0.0.1:\(port)/v1/stream", configuration: configuration, logger: Logger(label: "test-client")
    ) { inbound, outbound, _ in
        seen.connect()
        let sender = Task {
            for _ in 0..<300 where seen.all.isEmpty {
                try await send()
                try await Task.sleep(for: .milliseconds(100))
            }
            try await outbound.close(.normalClosure, reason: nil)
        }
        var frames = inbound.messages(maxSize: 1 << 20).makeAsyncIterator()
        if case .text(let text) = try await frames.next() { seen.add(text) }
        sender.cancel()
        try await outbound.close(.normalClosure, reason: nil)
    }
    return (seen.didConnect, seen.all.first)
}

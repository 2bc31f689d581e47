import Foundation
import HTTPTypes
import HummingbirdWSClient
import Logging
import ParleyKeyServer

/// A receiver's open `GET /v1/stream` WebSocket; its text frames are queued for ``nextFrame(timeout:)``.
final class PushChannel: @unchecked Sendable {
    // Guarded by `lock`.
    private let lock = NSLock()
    private var queued: [String] = []
    private var waiter: CheckedContinuation<String?, Never>?
    private var connection: Task<Void, any Error>?

    /// Connects as `device` (the upgrade request is signed like any other request).
    func open(as device: LoadDevice, port: Int) {
        let headers = device.signedHeaders(.get, "/v1/stream", body: [])
        connection = Task {
            try await WebSocketClient.connect(
                url: "ws://127.0.0.1:\(port)/v1/stream",
                configuration: WebSocketClientConfiguration(maxFrameSize: 1 << 20, additionalHeaders: headers),
                logger: Logger(label: "parley-server-bench")
            ) { inbound, _, _ in
                for try await message in inbound.messages(maxSize: 1 << 20) {
                    if case .text(let text) = message { self.deliver(text) }
                }
            }
        }
    }

    /// The next frame, or nil when none arrives within `timeout`.
    func nextFrame(timeout: Duration) async -> String? {
        await withCheckedContinuation { (continuation: CheckedContinuation<String?, Never>) in
            let frame: String? = lock.withLock {
                if !queued.isEmpty { return queued.removeFirst() }
                waiter = continuation
                return nil
            }
            if let frame {
                continuation.resume(returning: frame)
                return
            }
            Task {
                try? await Task.sleep(for: timeout)
                let expired = self.lock.withLock { () -> CheckedContinuation<String?, Never>? in
                    defer { self.waiter = nil }
                    return self.waiter
                }
                expired?.resume(returning: nil)
            }
        }
    }

    /// Drops frames that arrived so far.
    func drain() { lock.withLock { queued.removeAll() } }

    func close() { connection?.cancel() }

    private func deliver(_ frame: String) {
        let waiting = lock.withLock { () -> CheckedContinuation<String?, Never>? in
            guard let waiter else {
                queued.append(frame)
                return nil
            }
            self.waiter = nil
            return waiter
        }
        waiting?.resume(returning: frame)
    }
}

import Foundation

/// Reads a server's standard output on a thread of its own until the end: the port from its
/// `listening on http://HOST:PORT` line is kept, everything else is drained so the child never
/// blocks on a full pipe.
public final class ListeningAnnouncement: @unchecked Sendable {
    private let lock = NSLock()
    private var result: Int??
    private var waiters: [CheckedContinuation<Int?, Never>] = []

    /// Starts reading `handle` (the read end of the child's standard output).
    public init(reading handle: FileHandle) {
        let thread = Thread { [self] in
            var pending: [UInt8] = []
            var announced = false
            while true {
                let chunk = handle.availableData
                if chunk.isEmpty { break }
                guard !announced else { continue }
                pending += chunk
                while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                    let line = String(decoding: pending[..<newline], as: UTF8.self)
                    pending.removeSubrange(...newline)
                    if let port = Self.port(in: line) {
                        announced = true
                        finish(port)
                        break
                    }
                }
            }
            finish(nil)
        }
        thread.start()
    }

    /// The announced port, or nil once the output ended without one.
    public func port() async -> Int? {
        await withCheckedContinuation { continuation in
            let known: Int?? = lock.withLock {
                if result == nil { waiters.append(continuation) }
                return result
            }
            if let known { continuation.resume(returning: known) }
        }
    }

    private func finish(_ port: Int?) {
        let waiting: [CheckedContinuation<Int?, Never>] = lock.withLock {
            guard result == nil else { return [] }
            result = .some(port)
            defer { waiters = [] }
            return waiters
        }
        for waiter in waiting { waiter.resume(returning: port) }
    }

    private static func port(in line: String) -> Int? {
        guard line.hasPrefix("parley-server listening on "), let colon = line.lastIndex(of: ":") else { return nil }
        return Int(line[line.index(after: colon)...])
    }
}

import Foundation
import ParleyKeyServer

/// A clock shared by the server and the test clients: starts at the real time and then moves
/// only when read (one millisecond per read, so two identical requests never carry the same
/// signature) or when a test moves it forward to test expiry. It never follows the real time,
/// so a test's time windows (signature freshness, rate-limit refills, expiry) hold however
/// slowly a loaded machine runs it. A server in another process keeps its own real clock; a
/// test talking to one stays far inside the 300 s window.
final class TestClock: @unchecked Sendable {
    private let lock = NSLock()
    private var last: Int64

    init() {
        last = ServerClock.system.now()
    }

    /// The next millisecond: one after the last one read.
    func now() -> Int64 {
        lock.lock()
        defer { lock.unlock() }
        last += 1
        return last
    }

    /// Moves the clock forward.
    func advance(milliseconds: Int64) {
        lock.lock()
        defer { lock.unlock() }
        last += milliseconds
    }

    var serverClock: ServerClock { ServerClock { self.now() } }
}

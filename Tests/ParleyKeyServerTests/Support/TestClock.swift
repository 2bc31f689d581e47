import Foundation
import ParleyKeyServer

/// A clock shared by the server and the test clients: starts at the real time, never returns the
/// same millisecond twice (so two identical requests never carry the same signature), and can be
/// moved forward to test expiry.
final class TestClock: @unchecked Sendable {
    private let lock = NSLock()
    private var last: Int64
    private var offset: Int64 = 0

    init() {
        last = ServerClock.system.now()
    }

    /// The next millisecond: at least the real time plus the offset, strictly after the last one.
    func now() -> Int64 {
        lock.lock()
        defer { lock.unlock() }
        last = max(ServerClock.system.now() + offset, last + 1)
        return last
    }

    /// Moves the clock forward.
    func advance(milliseconds: Int64) {
        lock.lock()
        defer { lock.unlock() }
        offset += milliseconds
        last += milliseconds
    }

    var serverClock: ServerClock { ServerClock { self.now() } }
}

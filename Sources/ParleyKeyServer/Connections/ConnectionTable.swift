import Foundation

/// Open connections per client IP address, shared by every connection of one server
/// (``ConnectionLimits/connectionsPerAddress``).
final class ConnectionTable: @unchecked Sendable {
    /// Connections one address may hold.
    let limitPerAddress: Int
    // Guarded by `lock`.
    private let lock = NSLock()
    private var open: [String: Int] = [:]

    /// An empty table.
    init(limitPerAddress: Int) {
        self.limitPerAddress = limitPerAddress
    }

    /// Counts a new connection from `address` unless it already holds its limit.
    /// - Returns: true when admitted (then ``release(_:)`` must follow once it closes).
    func admit(_ address: String) -> Bool {
        lock.withLock {
            let count = open[address, default: 0]
            guard count < limitPerAddress else { return false }
            open[address] = count + 1
            return true
        }
    }

    /// Forgets one closed connection from `address`.
    func release(_ address: String) {
        lock.withLock {
            let count = open[address, default: 0] - 1
            open[address] = count > 0 ? count : nil
        }
    }
}

import Foundation

/// The server's source of "now", in Unix milliseconds; a parameter so tests can move time.
public struct ServerClock: Sendable {
    private let read: @Sendable () -> Int64

    /// A clock reading `read`.
    /// - Parameter read: returns the current Unix time in milliseconds.
    public init(_ read: @escaping @Sendable () -> Int64) {
        self.read = read
    }

    /// The system's wall clock.
    public static let system = ServerClock { Int64((Date().timeIntervalSince1970 * 1000).rounded(.down)) }

    /// The current Unix time in milliseconds.
    public func now() -> Int64 { read() }
}

import Foundation

import NIOCore

/// Tells the app, once per client, that the server has not answered a request within a second,
/// so that it can show "connecting…" instead of a silent wait, and holds how long a request may
/// wait at all (issue 12 item 11).
final class SlowServerNotice: @unchecked Sendable {
    /// How long a request may take before the notice fires.
    static let delay: Duration = .seconds(1)

    // Guarded by `lock`: set from the actor, read and fired from request tasks.
    private let lock = NSLock()
    private var handler: (@Sendable (String) -> Void)?
    private var fired = false
    private var storedTimeout: TimeAmount

    init(timeout: TimeAmount) {
        storedTimeout = timeout
    }

    /// How long one request may wait for the server.
    var timeout: TimeAmount {
        get { lock.withLock { storedTimeout } }
        set { lock.withLock { storedTimeout = newValue } }
    }

    /// Sets (or clears) what is called with the server's URL.
    func observe(_ handler: (@Sendable (String) -> Void)?) {
        lock.withLock {
            self.handler = handler
            fired = false
        }
    }

    /// Calls the handler, the first time only.
    func fire(_ url: String) {
        let handler: (@Sendable (String) -> Void)? = lock.withLock {
            guard !fired else { return nil }
            fired = true
            return self.handler
        }
        handler?(url)
    }
}

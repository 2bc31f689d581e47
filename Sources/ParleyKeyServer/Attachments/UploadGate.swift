import Foundation

/// Admission of attachment uploads, checked after the signature and before the body is read:
/// how many run at once (in all and per device) and how many bytes a device may upload per day
/// (Specs/server-api.md §4). Per server process, like the other rate limits.
final class UploadGate: @unchecked Sendable {
    /// An admitted upload; hand it back to ``release(_:)`` when the upload ends, however it ends.
    struct Ticket: Sendable {
        let device: DeviceAddress
    }

    private let limits: ServerLimits
    // Guarded by `lock`: every upload task admits and releases.
    private let lock = NSLock()
    private var running = 0
    private var runningPerDevice: [DeviceAddress: Int] = [:]
    private var budgets: [DeviceAddress: ByteBudget] = [:]

    init(limits: ServerLimits) {
        self.limits = limits
    }

    /// Admits an upload of `bytes` by `device` at `now` (Unix ms), taking the bytes from its
    /// daily budget.
    /// - Throws: ``ServerError/rateLimited(retryAfterSeconds:)`` when too many uploads run (in
    ///   all or for the device) or the device's budget lacks `bytes`; nothing is taken then.
    func admit(_ device: DeviceAddress, bytes: Int64, now: Int64) throws(ServerError) -> Ticket {
        let refusal: Int? = lock.withLock {
            guard running < limits.maxConcurrentUploads,
                runningPerDevice[device, default: 0] < limits.maxConcurrentUploadsPerDevice
            else { return 1 }
            var budget = budgets[device] ?? ByteBudget(perDay: limits.attachmentBytesPerDay, now: now)
            if let wait = budget.take(bytes, at: now) { return wait }
            budgets[device] = budget
            running += 1
            runningPerDevice[device, default: 0] += 1
            if budgets.count > 10_000 { budgets = budgets.filter { !$0.value.isFull(at: now) } }
            return nil
        }
        if let refusal { throw .rateLimited(retryAfterSeconds: refusal) }
        return Ticket(device: device)
    }

    /// Ends an admitted upload.
    func release(_ ticket: Ticket) {
        lock.withLock {
            running -= 1
            let left = runningPerDevice[ticket.device, default: 1] - 1
            runningPerDevice[ticket.device] = left > 0 ? left : nil
        }
    }
}

/// One device's upload bytes: a bucket of `perDay` bytes, refilled evenly over a day.
struct ByteBudget: Sendable, Equatable {
    static let dayMilliseconds: Int64 = 24 * 3600 * 1000

    let perDay: Int64
    /// Bytes that may be taken; fractional, so that frequent refills lose nothing to rounding.
    private(set) var available: Double
    private(set) var updatedAt: Int64

    /// A full budget at `now`.
    init(perDay: Int64, now: Int64) {
        self.perDay = max(1, perDay)
        available = Double(self.perDay)
        updatedAt = now
    }

    /// Takes `bytes` after refilling; returns nil when taken, or the whole seconds until they
    /// would be there (at least 1; a request larger than the whole budget waits a day).
    mutating func take(_ bytes: Int64, at now: Int64) -> Int? {
        refill(at: now)
        if Double(bytes) <= available {
            available -= Double(bytes)
            return nil
        }
        let missing = Double(min(bytes, perDay)) - available
        let seconds = missing / Double(perDay) * Double(Self.dayMilliseconds) / 1000
        return max(1, Int(seconds.rounded(.up)))
    }

    /// Whether the budget is full at `now` (forgetting it changes nothing).
    func isFull(at now: Int64) -> Bool {
        var copy = self
        copy.refill(at: now)
        return copy.available >= Double(perDay)
    }

    private mutating func refill(at now: Int64) {
        // A clock that went back adds nothing; at most a day counts (that fills it from empty).
        let elapsed = min(max(0, now - updatedAt), Self.dayMilliseconds)
        available = min(Double(perDay), available + Double(perDay) * Double(elapsed) / Double(Self.dayMilliseconds))
        updatedAt = max(updatedAt, now)
    }
}

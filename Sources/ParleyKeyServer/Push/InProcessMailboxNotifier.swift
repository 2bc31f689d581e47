import Foundation

/// ``MailboxNotifier`` for one server process: subscribers in a table, envelopes handed over in
/// memory.
public final class InProcessMailboxNotifier: MailboxNotifier, @unchecked Sendable {
    /// Envelopes buffered per subscriber before it counts as too slow: 1000. Past that its stream
    /// ends and the socket closes; nothing is lost, since envelopes stay in the mailbox until acked.
    public static let bufferLimit = 1000

    // Guarded by `lock`: subscribe, cancel and publish run on any task.
    private let lock = NSLock()
    private var subscribers: [DeviceAddress: [UUID: AsyncStream<Envelope>.Continuation]] = [:]

    /// An empty table.
    public init() {}

    public func publish(_ envelopes: [Envelope]) async {
        deliver(envelopes)
    }

    /// Hands each envelope to its recipient's subscribers; a subscriber whose buffer is full is
    /// dropped (its stream ends). Never waits for a subscriber.
    func deliver(_ envelopes: [Envelope]) {
        let tooSlow: [AsyncStream<Envelope>.Continuation] = lock.withLock {
            var tooSlow: [AsyncStream<Envelope>.Continuation] = []
            for envelope in envelopes {
                guard let continuations = subscribers[envelope.recipient] else { continue }
                for continuation in continuations.values {
                    if case .dropped = continuation.yield(envelope) { tooSlow.append(continuation) }
                }
            }
            return tooSlow
        }
        // Outside the lock: finishing runs `onTermination`, which takes the lock to remove the
        // subscriber (inside it, a subscriber past its buffer deadlocked every later publish).
        for continuation in tooSlow { continuation.finish() }
    }

    public func subscribe(_ device: DeviceAddress) async -> MailboxSubscription {
        let id = UUID()
        let (stream, continuation) = AsyncStream.makeStream(
            of: Envelope.self, bufferingPolicy: .bufferingOldest(Self.bufferLimit))
        continuation.onTermination = { [weak self] _ in self?.remove(id, of: device) }
        lock.withLock { subscribers[device, default: [:]][id] = continuation }
        return MailboxSubscription(envelopes: stream, cancel: { continuation.finish() })
    }

    /// True when at least one subscription for `device` is open.
    public func hasSubscribers(_ device: DeviceAddress) -> Bool { lock.withLock { subscribers[device] != nil } }

    /// How many subscriptions are open (for tests and metrics).
    public var subscriberCount: Int { lock.withLock { subscribers.values.reduce(0) { $0 + $1.count } } }

    private func remove(_ id: UUID, of device: DeviceAddress) {
        lock.withLock {
            subscribers[device]?[id] = nil
            if subscribers[device]?.isEmpty == true { subscribers[device] = nil }
        }
    }
}

import Foundation
import ParleyCrypto

/// ``MailboxNotifier`` for one server process: subscribers in a table, envelopes handed over in
/// memory.
public final class InProcessMailboxNotifier: MailboxNotifier, @unchecked Sendable {
    /// Envelopes buffered per subscriber before it counts as too slow: 1000. Past that (or past
    /// ``ConnectionLimits/streamBufferBytes``) its stream ends and the socket closes; nothing is
    /// lost, since envelopes stay in the mailbox until acked.
    public static let bufferLimit = 1000

    private struct Subscriber {
        let identityKey: Ed25519.PublicKey
        let buffer: SubscriptionBuffer
    }

    private let limits: ConnectionLimits
    // Guarded by `lock`: subscribe, cancel and publish run on any task.
    private let lock = NSLock()
    private var subscribers: [DeviceAddress: [UUID: Subscriber]] = [:]

    /// An empty table.
    /// - Parameter limits: subscriptions per device and buffered bytes per subscription.
    public init(limits: ConnectionLimits = ConnectionLimits()) {
        self.limits = limits
    }

    public func publish(_ envelopes: [Envelope]) async {
        deliver(envelopes)
    }

    /// Hands each envelope to its recipient's subscribers; a subscriber whose buffer would pass
    /// its bounds is dropped (its stream ends). Never waits for a subscriber.
    func deliver(_ envelopes: [Envelope]) {
        var tooSlow: [(DeviceAddress, UUID)] = []
        lock.withLock {
            for envelope in envelopes {
                guard let recipients = subscribers[envelope.recipient] else { continue }
                for (id, subscriber) in recipients where !subscriber.buffer.push(envelope) {
                    tooSlow.append((envelope.recipient, id))
                }
            }
            for (device, id) in tooSlow { remove(id, of: device) }
        }
    }

    public func subscribe(_ device: DeviceAddress, identityKey: Ed25519.PublicKey) async -> MailboxSubscription? {
        let id = UUID()
        let buffer = SubscriptionBuffer(maxCount: Self.bufferLimit, maxBytes: limits.streamBufferBytes)
        let admitted = lock.withLock {
            guard (subscribers[device]?.count ?? 0) < limits.streamsPerDevice else { return false }
            subscribers[device, default: [:]][id] = Subscriber(identityKey: identityKey, buffer: buffer)
            return true
        }
        guard admitted else { return nil }
        let envelopes = AsyncStream<Envelope>(unfolding: { await buffer.next() })
        return MailboxSubscription(
            envelopes: envelopes,
            cancel: { [weak self] in
                buffer.close()
                self?.lock.withLock { self?.remove(id, of: device) }
            })
    }

    public func endSubscriptions(of device: DeviceAddress) async {
        endSubscriptions(of: device, keeping: nil)
    }

    /// Ends the subscriptions of `device` except those opened with `identityKey` (nil: all).
    func endSubscriptions(of device: DeviceAddress, keeping identityKey: Ed25519.PublicKey?) {
        let ended: [SubscriptionBuffer] = lock.withLock {
            guard let current = subscribers[device] else { return [] }
            let stale = current.filter { $0.value.identityKey != identityKey }
            for id in stale.keys { remove(id, of: device) }
            return stale.values.map(\.buffer)
        }
        for buffer in ended { buffer.close() }
    }

    public func subscriptionCount(of device: DeviceAddress) -> Int {
        lock.withLock { subscribers[device]?.count ?? 0 }
    }

    /// True when at least one subscription for `device` is open.
    public func hasSubscribers(_ device: DeviceAddress) -> Bool { lock.withLock { subscribers[device] != nil } }

    /// How many subscriptions are open (for tests and metrics).
    public var subscriberCount: Int { lock.withLock { subscribers.values.reduce(0) { $0 + $1.count } } }

    /// Called with `lock` held.
    private func remove(_ id: UUID, of device: DeviceAddress) {
        subscribers[device]?[id] = nil
        if subscribers[device]?.isEmpty == true { subscribers[device] = nil }
    }
}

import Foundation
import Logging
import ParleyCrypto

/// ``MailboxNotifier`` for several server processes on one PostgreSQL database: an envelope
/// stored through any process reaches a device connected to this one.
///
/// ``publish(_:)`` does nothing here: the storage `NOTIFY`s in the same transaction as each
/// insert, and every process, the sender's included, relays from its `LISTEN` connection: on a
/// notification for a device that has subscribers here, it reads the device's pending envelopes
/// and hands on those newer than the last one it pushed. A notification is only a hint; clients
/// still fetch over HTTP, so an envelope missed during a reconnect is not lost.
///
/// Before pushing, the relay reads the device's identity key and ends local subscriptions opened
/// with another key (or all of them when the device is gone): removing a device notifies too, so
/// a removal through any process closes the device's sockets on every process, and an envelope
/// for a new owner of the same address never reaches an old owner's socket.
public final class PostgresMailboxNotifier: MailboxNotifier, @unchecked Sendable {
    private let local: InProcessMailboxNotifier
    private let storage: any KeyServerStorage
    private let configuration: PostgresStorageConfiguration
    private let logger: Logger
    // Guarded by `lock`: the highest envelope id pushed per device.
    private let lock = NSLock()
    private var lastPushed: [DeviceAddress: Int64] = [:]

    /// - Parameters:
    ///   - storage: where the envelopes are read (the process's own storage).
    ///   - configuration: the database and channel the storage notifies on.
    ///   - limits: subscriptions per device and buffered bytes per subscription, on this process.
    public init(
        storage: any KeyServerStorage, configuration: PostgresStorageConfiguration,
        limits: ConnectionLimits = ConnectionLimits(), logger: Logger = Logger(label: "parley-server.push")
    ) {
        local = InProcessMailboxNotifier(limits: limits)
        self.storage = storage
        self.configuration = configuration
        self.logger = logger
    }

    public func publish(_ envelopes: [Envelope]) async {}

    /// Subscribes `device` here. The first subscription of a device on this process starts
    /// after the newest envelope stored so far: what was already in the mailbox is not pushed
    /// (it is fetched over HTTP), only what is stored from then on.
    public func subscribe(_ device: DeviceAddress, identityKey: Ed25519.PublicKey) async -> MailboxSubscription? {
        // Read before subscribing: an envelope stored in between is newer than the start, so
        // the next relay pushes it. Unknown (a failed read): pushing starts where it was.
        var start: Int64?
        if !local.hasSubscribers(device) {
            do { start = try await storage.newestEnvelopeID(for: device) ?? 0 } catch { start = nil }
        }
        guard let subscription = await local.subscribe(device, identityKey: identityKey) else { return nil }
        if let start {
            lock.withLock { lastPushed[device] = max(lastPushed[device] ?? 0, start) }
        }
        return subscription
    }

    /// Ends the device's subscriptions here; the storage's removal notifies the other processes.
    public func endSubscriptions(of device: DeviceAddress) async {
        await local.endSubscriptions(of: device)
    }

    public func subscriptionCount(of device: DeviceAddress) -> Int { local.subscriptionCount(of: device) }

    /// Listens and relays until the task is cancelled. A lost connection is retried after a
    /// second (each attempt bounded by the connection's own timeouts).
    /// - Parameter onListening: called each time `LISTEN` is in effect.
    public func run(onListening: @escaping @Sendable () -> Void = {}) async {
        while !Task.isCancelled {
            let notifications = PostgresMailboxNotifications(configuration: configuration, logger: logger)
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    do {
                        try await notifications.run(onListening: onListening)
                    } catch {
                        self.logger.warning("mailbox notifications interrupted", metadata: ["error": "\(type(of: error))"])
                    }
                }
                group.addTask {
                    for await address in notifications.addresses { await self.relay(address) }
                }
                await group.waitForAll()
            }
            if !Task.isCancelled { try? await Task.sleep(for: .seconds(1)) }
        }
    }

    /// Pushes the device's envelopes that are newer than the last one pushed here (read from
    /// there on: a mailbox holding more than one read's worth of older envelopes does not hide
    /// new ones).
    func relay(_ device: DeviceAddress) async {
        guard local.hasSubscribers(device) else { return }
        // Subscriptions of a removed device, or of another key at this address, end here.
        // Unknown (a failed read): nothing is pushed this time.
        let key: Ed25519.PublicKey?
        do { key = try await storage.identityKey(of: device) } catch { return }
        local.endSubscriptions(of: device, keeping: key)
        guard local.hasSubscribers(device) else { return }
        let pushed = lock.withLock { lastPushed[device] } ?? 0
        guard let pending = try? await storage.pendingEnvelopes(for: device, limit: 1000, notBefore: 0, after: pushed)
        else { return }
        let fresh: [Envelope] = lock.withLock {
            let after = lastPushed[device] ?? Int64.min
            let fresh = pending.filter { $0.id > after }
            if let newest = fresh.map(\.id).max() { lastPushed[device] = newest }
            return fresh
        }
        if !fresh.isEmpty { await local.publish(fresh) }
    }
}

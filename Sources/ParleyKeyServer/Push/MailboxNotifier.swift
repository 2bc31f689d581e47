import ParleyCrypto

/// Tells connected devices about envelopes stored for them (`GET /v1/stream`, Specs/server-api.md §5.6).
///
/// The send route calls ``publish(_:)`` after the storage committed the envelopes, so a pushed
/// envelope is always one a fetch would return. ``InProcessMailboxNotifier`` serves one server
/// process. A PostgreSQL deployment with several instances implements this protocol on
/// LISTEN/NOTIFY: `publish` sends `NOTIFY parley_mailbox` with the recipient and envelope id (a
/// NOTIFY payload is limited to 8000 bytes, so no bodies), every instance LISTENs, reads the
/// envelope by id and yields it to its local subscribers of that recipient.
///
/// A subscription belongs to the identity key that opened it: once that device is removed, or
/// its address belongs to another key, the subscription ends, so a new owner of the same user id
/// and device id never reaches an old owner's socket.
public protocol MailboxNotifier: Sendable {
    /// Announces committed envelopes to their recipients' subscribers.
    /// - Parameter envelopes: envelopes as stored (ids, sender, time, body).
    func publish(_ envelopes: [Envelope]) async

    /// Starts receiving the envelopes published for `device` from now on.
    /// - Parameters:
    ///   - device: the connected device.
    ///   - identityKey: the key the device authenticated with.
    /// - Returns: a subscription, or nil when the device already has as many as it may have here;
    ///   its stream ends when it is cancelled, fell too far behind or the device was removed.
    func subscribe(_ device: DeviceAddress, identityKey: Ed25519.PublicKey) async -> MailboxSubscription?

    /// Ends the subscriptions of `device` (it was removed), on this process and, where the
    /// notifier spans processes, everywhere.
    /// - Parameter device: the removed device.
    func endSubscriptions(of device: DeviceAddress) async

    /// How many subscriptions `device` has open here.
    func subscriptionCount(of device: DeviceAddress) -> Int
}

/// Envelopes published for one connected device.
public struct MailboxSubscription: Sendable {
    /// The envelopes, in publish order. Finishes when ``cancel`` runs, when the subscriber fell
    /// more than the notifier's buffer behind (the client then reconnects and fetches over
    /// HTTP), or when the device was removed.
    public let envelopes: AsyncStream<Envelope>
    /// Ends the subscription and frees its slot.
    public let cancel: @Sendable () -> Void

    /// Creates a subscription.
    /// - Parameters:
    ///   - envelopes: the stream.
    ///   - cancel: ends it.
    public init(envelopes: AsyncStream<Envelope>, cancel: @escaping @Sendable () -> Void) {
        self.envelopes = envelopes
        self.cancel = cancel
    }
}

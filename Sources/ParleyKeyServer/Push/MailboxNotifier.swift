/// Tells connected devices about envelopes stored for them (`GET /v1/stream`, Specs/server-api.md §5.6).
///
/// The send route calls ``publish(_:)`` after the storage committed the envelopes, so a pushed
/// envelope is always one a fetch would return. ``InProcessMailboxNotifier`` serves one server
/// process. A PostgreSQL deployment with several instances implements this protocol on
/// LISTEN/NOTIFY: `publish` sends `NOTIFY parley_mailbox` with the recipient and envelope id (a
/// NOTIFY payload is limited to 8000 bytes, so no bodies), every instance LISTENs, reads the
/// envelope by id and yields it to its local subscribers of that recipient.
public protocol MailboxNotifier: Sendable {
    /// Announces committed envelopes to their recipients' subscribers.
    /// - Parameter envelopes: envelopes as stored (ids, sender, time, body).
    func publish(_ envelopes: [Envelope]) async

    /// Starts receiving the envelopes published for `device` from now on.
    /// - Parameter device: the connected device.
    /// - Returns: a subscription; its stream ends when it is cancelled or fell too far behind.
    func subscribe(_ device: DeviceAddress) async -> MailboxSubscription
}

/// Envelopes published for one connected device.
public struct MailboxSubscription: Sendable {
    /// The envelopes, in publish order. Finishes when ``cancel`` runs or when the subscriber fell
    /// more than the notifier's buffer behind (the client then reconnects and fetches over HTTP).
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

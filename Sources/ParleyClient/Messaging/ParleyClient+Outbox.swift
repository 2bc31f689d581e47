import ParleyProtocol
import ParleyServerAPI
import ParleyStore

/// Delivering the outbox, so that one refused envelope holds back nothing but itself and the
/// envelopes behind it for the same device (Specs/client.md, "Sending and receiving").
extension ParleyClient {
    /// Most envelopes in one `PUT /v1/messages` call.
    static let sendBatch = 100

    /// Delivers every outbox envelope, oldest first, and marks each accepted one sent.
    ///
    /// The server takes a call all or nothing, so when it refuses a batch the envelopes are sent
    /// again per recipient device (in order), and each refusal is handled alone:
    /// - `409` (the device's mailbox is full, or this device is over its quota in it): that
    ///   device's envelopes stay in the outbox, in order, and are retried on the next send or sync;
    /// - `429` (this device is sending too fast): everything not delivered yet stays;
    /// - `404` (the device no longer exists) or `413 message_too_large` (the envelope can never be
    ///   accepted): the envelope is dropped from the outbox; its history row keeps its state.
    /// - Returns: one ``ClientEvent/deliveryDeferred(recipient:reason:)`` per recipient device
    ///   whose envelopes wait, in outbox order.
    /// - Throws: transport errors, other refusals and store failures; every envelope accepted
    ///   before stays marked sent, the rest stays queued.
    @discardableResult
    public func flushOutbox() async throws -> [ClientEvent] {
        try await deliverOutbox().events
    }

    /// ``flushOutbox()`` with the deferrals as values.
    func deliverOutbox() async throws -> OutboxDeferrals {
        var waiting = OutboxDeferrals()
        var queue = try await store.outbox()[...]
        do {
            while true {
                var batch: [OutboxItem] = []
                while batch.count < Self.sendBatch, let item = queue.popFirst() {
                    if !waiting.contains(item.recipient) { batch.append(item) }
                }
                if batch.isEmpty { break }
                do {
                    try await deliver(batch)
                } catch let error as ClientError where Refusal(error)?.concernsOneRecipient == true {
                    for group in Self.byRecipient(batch) { try await deliver(group, waiting: &waiting) }
                }
            }
        } catch let error as ClientError where Refusal(error) == .senderWaits {
            // This device sends too fast: everything still in the outbox waits.
            for item in try await store.outbox() { waiting.add(item.recipient, error) }
        }
        return waiting
    }

    /// One recipient device's envelopes, in order: delivered, left waiting, or dropped.
    private func deliver(_ group: [OutboxItem], waiting: inout OutboxDeferrals) async throws {
        guard let recipient = group.first?.recipient else { return }
        do {
            try await deliver(group)
        } catch let error as ClientError {
            switch Refusal(error) {
            case .recipientWaits:
                waiting.add(recipient, error)
            case .recipientGone:
                for item in group { try await store.discardFromOutbox(item) }
            case .tooLarge where group.count > 1:
                // Find the envelopes that can never fit; deliver the others.
                for item in group where !waiting.contains(recipient) { try await deliver([item], waiting: &waiting) }
            case .tooLarge:
                for item in group { try await store.discardFromOutbox(item) }
            case .senderWaits, nil:
                throw error
            }
        }
    }

    /// One call; every envelope marked sent when the server accepted them.
    private func deliver(_ items: [OutboxItem]) async throws {
        _ = try await server.send(
            items.map { OutgoingMessageJSON(user: $0.recipientUser, device: $0.recipientDevice, body: server.base64($0.wire)) })
        for item in items { try await store.markSent(item) }
    }

    /// `items` grouped by recipient device, each group in outbox order, groups in order of first appearance.
    private static func byRecipient(_ items: [OutboxItem]) -> [[OutboxItem]] {
        var order: [PeerAddress] = []
        var groups: [PeerAddress: [OutboxItem]] = [:]
        for item in items {
            if groups[item.recipient] == nil { order.append(item.recipient) }
            groups[item.recipient, default: []].append(item)
        }
        return order.compactMap { groups[$0] }
    }
}

/// What a refused `PUT /v1/messages` means for the outbox.
private enum Refusal: Equatable {
    /// `409`: the recipient device's mailbox has no room for this sender now.
    case recipientWaits
    /// `404`: the recipient device is gone.
    case recipientGone
    /// `413 message_too_large`: an envelope is larger than the server takes.
    case tooLarge
    /// `429`: this device is rate limited.
    case senderWaits

    /// The refusal `error` is, or nil for any other failure.
    init?(_ error: ClientError) {
        guard case .serverRejected(let status, let code, _) = error else { return nil }
        switch (status, code) {
        case (409, _): self = .recipientWaits
        case (404, _): self = .recipientGone
        case (413, "message_too_large"): self = .tooLarge
        case (429, _): self = .senderWaits
        default: return nil
        }
    }

    /// Whether it can be pinned on one recipient device by sending per device.
    var concernsOneRecipient: Bool { self != .senderWaits }
}

/// Recipient devices whose envelopes stay in the outbox, with the refusal, in outbox order.
struct OutboxDeferrals {
    private(set) var entries: [(recipient: PeerAddress, reason: ClientError)] = []

    func contains(_ recipient: PeerAddress) -> Bool { entries.contains { $0.recipient == recipient } }

    /// Records `recipient` unless it is waiting already.
    mutating func add(_ recipient: PeerAddress, _ reason: ClientError) {
        if !contains(recipient) { entries.append((recipient, reason)) }
    }

    /// As events.
    var events: [ClientEvent] { entries.map { .deliveryDeferred(recipient: $0.recipient, reason: $0.reason) } }
}

extension OutboxItem {
    /// The recipient device.
    var recipient: PeerAddress { PeerAddress(user: recipientUser, device: recipientDevice) }
}

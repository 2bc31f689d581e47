import Foundation
import ParleyCrypto
import ParleyProtocol
import ParleyServerAPI
import ParleyStore

/// Receiving: fetch, check the sender against its certified devices, decrypt and commit, then
/// acknowledge; receipts go back automatically.
extension ParleyClient {
    /// Envelopes fetched per request while catching up.
    static let fetchPage = 100

    /// Keeps prekeys stocked, delivers the outbox, then fetches and processes every pending
    /// envelope. Nothing the outbox meets stops receiving: envelopes the server refuses for now
    /// are reported as ``ClientEvent/deliveryDeferred(recipient:reason:)`` (once per recipient
    /// device), any other failure to deliver as a ``ClientEvent/warning(_:)``.
    /// - Returns: the outbox's events, then the received ones in mailbox order.
    public func sync() async throws -> [ClientEvent] {
        try await completeLinkIfNeeded()
        try await maintainPreKeys()
        var events: [ClientEvent] = []
        // One lookup of this account's own list serves both checks (lookups are rate-limited).
        do {
            try await pruneDeviceList()
        } catch ClientError.ownAccountKeyChanged {
            events.append(.warning(ClientError.ownAccountKeyChanged.description))
        } catch {
            events.append(.warning("the account's device list is not updated yet: \(error)"))
        }
        do {
            events += try await flushOutbox()
        } catch {
            events.append(.warning("outgoing messages are not delivered yet: \(error)"))
        }
        while true {
            let page = try await server.fetch(limit: Self.fetchPage)
            if page.isEmpty { break }
            events += try await process(page)
            if page.count < Self.fetchPage { break }
        }
        return Self.withoutRepeatedDeferrals(events)
    }

    /// `events` with each recipient device's deferral kept only the first time.
    static func withoutRepeatedDeferrals(_ events: [ClientEvent]) -> [ClientEvent] {
        var seen: Set<PeerAddress> = []
        return events.filter { event in
            guard case .deliveryDeferred(let recipient, _) = event else { return true }
            return seen.insert(recipient).inserted
        }
    }

    /// Decrypts and commits `envelopes`, acknowledges them, sends receipts.
    func process(_ envelopes: [EnvelopeJSON]) async throws -> [ClientEvent] {
        defer { deviceListCache = [:] }
        var events: [ClientEvent] = []
        var receipts: [PeerAddress: [MessageID]] = [:]
        for envelope in envelopes {
            let sender = PeerAddress(user: envelope.senderUser, device: envelope.senderDevice)
            for event in try await receive(envelope, from: sender) {
                events.append(event)
                if case .message(let message) = event, message.direction == .incoming, sender.user != user {
                    receipts[sender, default: []].append(message.id)
                }
            }
        }
        // Committed above; only now may the server forget them.
        try await server.acknowledge(envelopes.map(\.id))
        do {
            for (address, ids) in receipts.sorted(by: { $0.key.description < $1.key.description }) {
                try await sendReceipt(ids, to: address)
            }
            if !receipts.isEmpty { events += try await flushOutbox() }
        } catch {
            // The messages are committed and acknowledged: report them anyway. Receipts already
            // in the outbox go out with the next send or sync.
            events.append(.warning("delivery receipts are not sent yet: \(error)"))
        }
        return events
    }

    /// One envelope: sender binding, decrypt and commit, then what it means.
    private func receive(_ envelope: EnvelopeJSON, from sender: PeerAddress) async throws -> [ClientEvent] {
        guard let wire = Data(base64Encoded: envelope.body).map(Array.init) else {
            return [.undecryptable(sender: sender, reason: "malformed envelope")]
        }
        guard (try? UserID(sender.user)) != nil else { return [.undecryptable(sender: sender, reason: "malformed sender")] }
        // A link confirmation beyond the one that completed this device's link (the primary
        // linked it twice, say): nothing to read, acknowledged with the rest.
        if sender.user == user, LinkConfirmation.isConfirmation(wire) { return [] }
        let list: VerifiedDeviceList
        do {
            list = try await verifiedDevices(of: sender.user, requireTrusted: false)
        } catch let error as ClientError {
            // A sender that is gone or whose device list is forged can never be read: report and
            // acknowledge. A transport failure is thrown, so nothing is acknowledged unread.
            switch error {
            case .unknownUser, .invalidCertificate, .untrustedDeviceList:
                return [.undecryptable(sender: sender, reason: "\(error)")]
            default: throw error
            }
        }
        guard let certified = list.devices[sender.device] else {
            return [.undecryptable(sender: sender, reason: "the sending device is not certified by \(sender.user)")]
        }
        // "Sent from my other device" under an account key this device never accepted: whoever
        // holds that key could make messages appear as one's own in any conversation.
        if sender.user == user, try await trustChanged(user) {
            return [.undecryptable(sender: sender, reason: ClientError.ownAccountKeyChanged.description)]
        }
        let ownUser = user
        let versions = try await versionPolicy()
        // The sender binding is decided inside the store's receiving transaction: only a session
        // with the certified key may decrypt (a PreKeyMessage naming another identity key, or a
        // Message only an old session can read, fails as untrusted_identity and changes nothing).
        let incoming = IncomingEnvelope(
            id: String(envelope.id), sender: sender, body: wire, conversation: sender.user, timestamp: envelope.timestamp,
            placement: { plaintext in Self.placement(of: plaintext, from: sender, ownUser: ownUser) },
            trust: .only(certified), attachment: Self.attachmentRecord(in:), versions: versions)
        switch try await store.receive([incoming]).first {
        case nil:
            return []
        case .alreadyProcessed, .duplicate:
            return []
        case .failed(let message):
            return [.undecryptable(sender: sender, reason: message.failureReason ?? "undecryptable")]
        case .decrypted(let message):
            guard let payload = try? MessagePayload(decoding: message.body) else {
                return [.undecryptable(sender: sender, reason: "malformed payload")]
            }
            return try await interpret(payload, from: sender, trustWarning: try await trustChanged(sender.user))
        }
    }

    /// Where a decrypted plaintext goes: receipts nowhere, copies of one's own messages into the
    /// recipient's conversation, everything else into the sender's.
    static func placement(of plaintext: [UInt8], from sender: PeerAddress, ownUser: String) -> MessagePlacement {
        guard let payload = try? MessagePayload(decoding: plaintext) else {
            return .history(conversation: sender.user, direction: .incoming)
        }
        if case .receipt = payload.body { return .none }
        if sender.user == ownUser, let recipient = payload.syncedTo {
            return .history(conversation: recipient.rawValue, direction: .outgoing)
        }
        return .history(conversation: sender.user, direction: .incoming)
    }

    /// The file a plaintext points to, recorded by the store in the transaction that accepts the
    /// message (before the download, which may fail or be interrupted).
    static func attachmentRecord(in plaintext: [UInt8]) -> AttachmentRecord? {
        guard let payload = try? MessagePayload(decoding: plaintext), case .attachment(let pointer) = payload.body else {
            return nil
        }
        return AttachmentRecord(
            id: pointer.attachmentID, key: pointer.key, size: pointer.plaintextSize, ciphertextSHA256: pointer.ciphertextSHA256,
            fileName: pointer.fileName, mediaType: pointer.mediaType)
    }

    private func interpret(_ payload: MessagePayload, from sender: PeerAddress, trustWarning: Bool) async throws
        -> [ClientEvent]
    {
        let outgoingCopy = sender.user == user && payload.syncedTo != nil
        let conversation = outgoingCopy ? payload.syncedTo?.rawValue ?? sender.user : sender.user
        let content: MessageContent
        switch payload.body {
        case .receipt(let ids):
            try await markDelivered(ids, conversation: sender.user)
            return [.delivered(user: sender.user, ids: ids)]
        case .text(let text):
            content = .text(text)
        case .attachment(let pointer):
            content = await receiveFile(pointer)
        }
        return [
            .message(
                ReceivedMessage(
                    conversation: conversation, sender: sender, direction: outgoingCopy ? .outgoing : .incoming, id: payload.id,
                    sentAt: payload.sentAt, content: content, trustWarning: trustWarning))
        ]
    }

    /// Marks this user's messages with these ids in `conversation` as delivered.
    private func markDelivered(_ ids: [MessageID], conversation: String) async throws {
        let wanted = Set(ids)
        for message in try await store.history(conversation: conversation) where message.direction == .outgoing {
            guard message.state != .delivered, let payload = try? MessagePayload(decoding: message.body),
                wanted.contains(payload.id)
            else { continue }
            try await store.setDeliveryState(.delivered, ofMessage: message.rowID)
        }
    }
}

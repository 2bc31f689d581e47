import ParleyProtocol
import ParleyStore

/// The stored conversation, decoded for display.
extension ParleyClient {
    /// One history row as the app shows it.
    public struct HistoryEntry: Sendable {
        /// Incoming or outgoing.
        public let direction: MessageDirection
        /// The other side's device (incoming) or the first recipient device (outgoing).
        public let peer: PeerAddress
        /// When it was sent (sender's clock) or, for undecryptable rows, received.
        public let time: Int64
        /// Pending, sent, delivered, received or failed.
        public let state: DeliveryState
        /// The text or file; nil for a row that failed to decrypt.
        public let content: MessageContent?
        /// Why a failed row failed.
        public let failureReason: String?
    }

    /// The conversation with `user`, oldest first (at most `limit` of the most recent rows).
    public func history(with user: String, limit: Int = 1000) async throws -> [HistoryEntry] {
        try await store.history(conversation: user, limit: limit).compactMap { message in
            let peer = PeerAddress(user: message.peerUser, device: message.peerDevice)
            guard message.state != .failed, let payload = try? MessagePayload(decoding: message.body) else {
                return HistoryEntry(
                    direction: message.direction, peer: peer, time: message.timestamp, state: .failed, content: nil,
                    failureReason: message.failureReason ?? "malformed payload")
            }
            let content: MessageContent
            switch payload.body {
            case .receipt: return nil
            case .text(let text): content = .text(text)
            case .attachment(let pointer):
                content = .file(name: pointer.fileName, size: pointer.plaintextSize, savedAt: nil, error: nil)
            }
            return HistoryEntry(
                direction: message.direction, peer: peer, time: payload.sentAt, state: message.state, content: content,
                failureReason: nil)
        }
    }

    /// Conversations with at least one message, most recent first.
    public func conversations() async throws -> [String] {
        try await store.conversations().map(\.id)
    }
}

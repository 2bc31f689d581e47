import ParleyProtocol
import ParleyStore

/// Something that happened while receiving, in mailbox order.
public enum ClientEvent: Sendable {
    /// A message (from a contact, or a copy of one this user sent from another device).
    case message(ReceivedMessage)
    /// `user` received the messages with these ids.
    case delivered(user: String, ids: [MessageID])
    /// An envelope that could not be used: who sent it and why (it was acknowledged so that it
    /// does not block the mailbox, and kept in the history as failed when it reached decryption).
    case undecryptable(sender: PeerAddress, reason: String)
    /// Envelopes for `recipient` stay in the outbox because the server refused them for now
    /// (`reason`: its mailbox is full, this device is over its quota there, or this device sends
    /// too fast); they are sent again, in order, on the next send or sync.
    case deliveryDeferred(recipient: PeerAddress, reason: ClientError)
    /// Live receiving hit a problem that did not stop it (a failed catch-up, say).
    case warning(String)
}

/// A decrypted message as the app shows it.
public struct ReceivedMessage: Sendable {
    /// The conversation (the other user's id).
    public let conversation: String
    /// The sending device.
    public let sender: PeerAddress
    /// `.outgoing` for a copy of a message this user sent from another device.
    public let direction: MessageDirection
    /// The sender's message id.
    public let id: MessageID
    /// When the sender sent it (their clock, Unix milliseconds).
    public let sentAt: Int64
    /// The text or file.
    public let content: MessageContent
    /// The sender's account key changed and was not accepted yet: show a warning.
    public let trustWarning: Bool
}

/// What a message holds, as shown to a user.
public enum MessageContent: Sendable, Equatable {
    /// Text.
    case text(String)
    /// A file: its name and size, and where it was saved (nil when the download failed; `error` says why).
    case file(name: String, size: Int64, savedAt: String?, error: String?)
}

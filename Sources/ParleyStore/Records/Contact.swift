/// How far a contact's account key is trusted.
public enum TrustState: String, Codable, Sendable {
    /// Pinned on first use, not compared in person.
    case unverified
    /// The safety number was compared and confirmed.
    case verified
    /// The account key changed since it was pinned; the user has not accepted the new one.
    case changed
}

/// A person one talks to, as kept (sealed) in the store.
public struct Contact: Codable, Sendable, Equatable {
    /// The contact's user id (the lookup key; stored only as a keyed hash in the clear).
    public var user: String
    public var displayName: String?
    /// The pinned Ed25519 account key.
    public var accountKey: [UInt8]?
    public var trust: TrustState

    public init(user: String, displayName: String? = nil, accountKey: [UInt8]? = nil, trust: TrustState = .unverified) {
        self.user = user
        self.displayName = displayName
        self.accountKey = accountKey
        self.trust = trust
    }
}

/// A conversation's summary, as kept (sealed) in the store.
public struct Conversation: Codable, Sendable, Equatable {
    public var id: String
    public var title: String?
    /// Milliseconds since 1970 of the last message.
    public var lastActivity: Int64
}

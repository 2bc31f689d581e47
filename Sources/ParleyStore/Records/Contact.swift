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
    /// The newest signed device list seen under ``accountKey`` (nil until one was seen, and again
    /// after a new account key is accepted).
    public var deviceList: DeviceListPin?

    public init(
        user: String, displayName: String? = nil, accountKey: [UInt8]? = nil, trust: TrustState = .unverified,
        deviceList: DeviceListPin? = nil
    ) {
        self.user = user
        self.displayName = displayName
        self.accountKey = accountKey
        self.trust = trust
        self.deviceList = deviceList
    }
}

/// What a client remembers of a contact's signed device lists, so that a server can neither
/// show it an older list nor bring back a device the contact removed (Specs/client.md, "Device
/// lists").
public struct DeviceListPin: Codable, Sendable, Equatable {
    /// The highest list version seen.
    public var version: UInt64
    /// The identity keys that list names.
    public var keys: [[UInt8]]
    /// Identity keys that were in an earlier list and left a later one: never accepted again.
    public var removedKeys: [[UInt8]]
    /// The device ids of ``keys``, in the same order (absent in pins written before they were
    /// kept): what a message written while the server cannot be reached is encrypted to.
    public var deviceIDs: [UInt32]?

    public init(version: UInt64, keys: [[UInt8]], removedKeys: [[UInt8]] = [], deviceIDs: [UInt32]? = nil) {
        self.version = version
        self.keys = keys
        self.removedKeys = removedKeys
        self.deviceIDs = deviceIDs
    }
}

/// A conversation's summary, as kept (sealed) in the store.
public struct Conversation: Codable, Sendable, Equatable {
    public var id: String
    public var title: String?
    /// Milliseconds since 1970 of the last message.
    public var lastActivity: Int64
}

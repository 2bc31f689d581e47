/// Outcomes of storage operations that are the client's doing, not the storage's failure.
///
/// Every ``KeyServerStorage`` implementation throws exactly these for the same situations, so the
/// behaviour suite can run unchanged on each backend. Other thrown errors are backend failures.
public enum DirectoryError: Error, Sendable, Equatable {
    /// The user id is registered already.
    case userTaken
    /// The device id is taken for this user.
    case deviceTaken
    /// No such user.
    case unknownUser
    /// No such device.
    case unknownDevice
    /// Storing the keys would leave the device holding more one-time prekeys than the limit.
    case preKeyLimit(limit: Int)
    /// A recipient mailbox would hold more messages than the limit.
    case mailboxFull(limit: Int)
    /// The sender device would hold more messages in a recipient mailbox than its quota.
    case senderQuota(limit: Int)
    /// The identity key belongs to a device the user removed; it is never added again.
    case deviceRemoved
    /// A signed device list is not newer than the one stored.
    case staleDeviceList
    /// A signed device list names a device that is not registered with that identity key.
    case deviceListMismatch
}

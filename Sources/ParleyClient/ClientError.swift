/// Everything the messenger SDK can fail with, each case a sentence a user can act on.
///
/// Lower layers' errors (store, protocol, transport) are mapped to these at the SDK boundary, so
/// an app shows ``description`` as is.
public enum ClientError: Error, Equatable, Sendable, CustomStringConvertible {
    /// No store at the given directory: run `init` or `link` first.
    case storeNotFound(String)
    /// A store already exists at the given directory.
    case storeExists(String)
    /// The passphrase does not open the store.
    case wrongPassphrase
    /// The key server could not be reached at the given URL.
    case serverUnreachable(String)
    /// The key server refused a request: HTTP status, error code and the server's message.
    case serverRejected(status: Int, code: String, message: String)
    /// The message to `user` is in the outbox, but the server refused it for now (`code`:
    /// `mailbox_full`, `sender_quota`, `rate_limited`); it is sent again on the next send or sync.
    case deliveryDeferred(user: String, code: String)
    /// The key server answered with something that is not the documented API.
    case malformedServerResponse(String)
    /// Not a user id (3 to 32 characters of a-z, 0-9, '.', '_' and '-').
    case invalidUserID(String)
    /// No such user on the server.
    case unknownUser(String)
    /// The user id is already registered.
    case userTaken(String)
    /// The user's account key differs from the pinned one; sending stops until accepted.
    case safetyNumberChanged(String)
    /// A device list or bundle from the server fails certificate or signature checks.
    case invalidCertificate(String)
    /// The server's device list for the user is not one the user's account key signed, is older
    /// than one seen before, or brings back a device the user removed: it is not used.
    case untrustedDeviceList(String)
    /// The server shows another account key for this device's own account than the one pinned
    /// when the device was set up: messages from and copies to this account's other devices stop.
    case ownAccountKeyChanged
    /// The server cannot be reached; the message to the user is encrypted to the devices of the
    /// last verified list, saved in the history as pending and queued in the outbox.
    case queuedWhileOffline(user: String, server: String)
    /// The server cannot be reached and the user has no session to send in yet: a first message
    /// needs the server (the user's keys come from it).
    case firstMessageNeedsServer(user: String, server: String)
    /// The user has no certified device to send to.
    case noDevices(String)
    /// Not a link code printed by `parley link` on a new device.
    case invalidLinkCode
    /// This device is not registered yet (a linked device waits for its primary to run `link`).
    case notRegistered
    /// Only the primary device holds the account key and can do this.
    case notPrimaryDevice
    /// A new device's link is not confirmed by the primary device yet.
    case linkNotConfirmed
    /// The server lists an account key that the primary device did not confirm.
    case linkConfirmationMismatch
    /// A local file could not be read or written.
    case fileAccess(String)
    /// The store directory may be written by other users (group or world write permission), who
    /// could replace the store or its files: it is not opened.
    case insecureStoreDirectory(String)
    /// An attachment failed its hash or chunk checks; nothing was written.
    case attachmentCorrupt(String)
    /// The attachment is larger than the server accepts.
    case attachmentTooLarge(Int64)
    /// No attachment with this id is known to this store.
    case unknownAttachment(String)
    /// The message is longer than a payload may be (send long text as a file).
    case messageTooLarge
    /// The store failed a check or could not be written; the message says which.
    case storeFailure(String)
    /// A backup file is damaged, not a Parley backup, or its passphrase is wrong.
    case invalidBackup
    /// The server sent a bundle for this device of `user` without a post-quantum (ML-KEM-1024)
    /// prekey, or with one that is malformed or not signed by the device's identity key: no
    /// session is started (new sessions are Parley-v2 only; falling back to Parley-v1 would let a
    /// server downgrade them).
    case noPQPreKey(user: String, device: UInt32)

    /// One sentence for the user.
    public var description: String {
        switch self {
        case .storeNotFound(let path): "No Parley store in \(path); run `parley init` first."
        case .storeExists(let path): "A Parley store already exists in \(path)."
        case .wrongPassphrase: "The passphrase does not open this store."
        case .serverUnreachable(let url): "The server at \(url) cannot be reached."
        case .serverRejected(let status, let code, let message): "The server refused the request (\(status) \(code)): \(message)"
        case .deliveryDeferred(let user, let code):
            "The server did not take your message to \(user) for now (\(code)); it stays queued and is sent again on the next send or sync."
        case .malformedServerResponse(let what): "The server sent a malformed response (\(what))."
        case .invalidUserID(let user):
            "\"\(user)\" is not a user id (3 to 32 characters of a-z, 0-9, '.', '_' and '-')."
        case .unknownUser(let user): "There is no user \(user) on this server."
        case .userTaken(let user): "The user id \(user) is already taken on this server."
        case .safetyNumberChanged(let user):
            "The safety number with \(user) has changed; compare it and run `parley verify \(user) --confirm` to accept it."
        case .invalidCertificate(let user): "The server sent device keys for \(user) that \(user)'s account key did not sign."
        case .untrustedDeviceList(let user):
            "The server sent a list of \(user)'s devices that \(user)'s account did not sign, that is older than one seen before, or that brings back a removed device; it is not used."
        case .ownAccountKeyChanged:
            "The server shows another account key for your own account than the one this device was set up with, so messages from and copies to your other devices are refused; someone may control your account on the server (a new account under your name, or a server that lies)."
        case .queuedWhileOffline(let user, let server):
            "The server at \(server) cannot be reached; your message to \(user) is saved and queued, and is sent on the next send or sync."
        case .firstMessageNeedsServer(let user, let server):
            "The server at \(server) cannot be reached, and a first message to \(user) needs it (\(user)'s keys come from it); nothing was sent or saved."
        case .noDevices(let user): "\(user) has no devices to send to."
        case .invalidLinkCode: "That is not a link code printed by `parley init --link` on a new device."
        case .notRegistered: "This device is not registered yet; run `parley link CODE` on your primary device first."
        case .notPrimaryDevice: "Only the primary device, which holds the account key, can do this."
        case .linkNotConfirmed:
            "Your primary device's confirmation has not arrived; run `parley link CODE` on it again, then `parley sync` here."
        case .linkConfirmationMismatch:
            "The server presents an account key that your primary device did not confirm; this device did not join. Do not use it with this server."
        case .fileAccess(let path): "The file \(path) cannot be read or written."
        case .insecureStoreDirectory(let path):
            "The store directory \(path) is writable by other users; make it private (chmod 700) before using it."
        case .attachmentCorrupt(let id): "The attachment \(id) failed its integrity check; nothing was saved."
        case .attachmentTooLarge(let size): "The file is too large to send (\(size) bytes)."
        case .unknownAttachment(let id): "There is no attachment \(id) in this store."
        case .messageTooLarge: "The message is too long; send it as a file instead."
        case .storeFailure(let what): "The local store failed: \(what)."
        case .invalidBackup:
            "The backup cannot be read: it is not a Parley backup, it is damaged, or the backup passphrase is wrong."
        case .noPQPreKey(let user, let device):
            "The server sent no valid post-quantum prekey for device \(device) of \(user), so no Parley-v2 session can be started with it."
        }
    }
}

extension ClientError {
    /// The server's error code, for a ``serverRejected(status:code:message:)``.
    var serverCode: String? {
        guard case .serverRejected(_, let code, _) = self else { return nil }
        return code
    }
}

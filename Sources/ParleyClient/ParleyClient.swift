import Foundation
import ParleyCrypto
import ParleyProtocol
import ParleyServerAPI
import ParleyStore

/// One device of one user: a complete messenger client over an encrypted store and a key server.
///
/// Everything a messenger app needs goes through this actor: creating an account, keeping prekeys
/// stocked, sending to every certified device of a contact (and to one's own other devices),
/// receiving with delivery receipts, trust on first use with safety numbers, and attachments.
/// State lives in the ``EncryptedStore`` in ``storeDirectory``; every change commits there before
/// anything is acknowledged or reported.
public actor ParleyClient {
    /// This device's user id.
    public nonisolated let user: String
    /// This device's id.
    public nonisolated let device: UInt32
    /// The key server's base URL.
    public nonisolated let serverURL: String
    /// The directory holding the store and downloaded attachments.
    public nonisolated let storeDirectory: String

    let store: EncryptedStore
    let server: KeyServerConnection
    let identity: IdentityKeyPair
    let random: InjectedRandom
    let now: @Sendable () -> Int64
    /// Verified device lists fetched during one operation, so that one sync asks once per user.
    var deviceListCache: [String: VerifiedDeviceList] = [:]
    /// Told the progress of attachment downloads while receiving (see ``observeDownloads(_:)``).
    var downloadProgress: (@Sendable (Int64, Int64) -> Void)?
    /// The largest received file downloaded without being asked (``setAutoDownloadLimit(_:)``).
    var autoDownloadLimit = ParleyClient.defaultAutoDownloadLimit

    init(
        settings: ClientSettings, storeDirectory: String, store: EncryptedStore, identity: IdentityKeyPair,
        random: any RandomSource, now: @escaping @Sendable () -> Int64
    ) {
        self.user = settings.user
        self.device = settings.device
        self.serverURL = settings.server
        self.storeDirectory = storeDirectory
        self.store = store
        self.identity = identity
        self.random = InjectedRandom(source: random)
        self.now = now
        self.server = KeyServerConnection(
            baseURL: settings.server,
            signer: RequestSigner(user: settings.user, device: settings.device, key: identity.signingKey))
    }

    /// This device's address.
    public nonisolated var address: PeerAddress { PeerAddress(user: user, device: device) }

    /// Milliseconds since 1970, the clock used for every timestamp the client writes.
    public static func systemNow() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }

    /// The store file inside a store directory.
    static func storePath(in directory: String) -> String { (directory as NSString).appendingPathComponent("store.sqlite") }

    /// Closes the store; the client must not be used afterwards.
    public nonisolated func close() throws { try store.close() }
}

/// The client's one random source as a concrete type, so that it can be handed to APIs that take
/// `some RandomSource`.
struct InjectedRandom: RandomSource {
    let source: any RandomSource

    func fill(_ buffer: UnsafeMutableRawBufferPointer) { source.fill(buffer) }
}

import ParleyCrypto
import ParleyStore

/// Who this device is and where its server is, kept as sealed settings in the store.
struct ClientSettings: Sendable {
    static let userKey = "client.user"
    static let deviceKey = "client.device"
    static let serverKey = "client.server"
    static let accountPublicKey = "client.account_public_key"
    /// The account key's 32-byte seed; only on the primary device.
    static let accountSecretKey = "client.account_key"

    var user: String
    var device: UInt32
    var server: String

    /// Reads the settings written by ``save(to:)``.
    /// - Throws: ``ClientError/storeFailure(_:)`` when the store was not made by this SDK.
    static func load(from store: EncryptedStore) async throws -> ClientSettings {
        guard let user = try await store.setting(userKey), let deviceText = try await store.setting(deviceKey),
            let device = UInt32(deviceText), let server = try await store.setting(serverKey)
        else { throw ClientError.storeFailure("the store holds no client account") }
        return ClientSettings(user: user, device: device, server: server)
    }

    func save(to store: EncryptedStore) async throws {
        try await store.setSetting(Self.userKey, to: user)
        try await store.setSetting(Self.deviceKey, to: String(device))
        try await store.setSetting(Self.serverKey, to: server)
    }
}

import Hummingbird
import Logging
import ParleyCrypto

extension KeyServerRoutes {
    /// `PUT /v1/devices/list`: the caller's account's next signed device list. Only the account
    /// key signs one, so in practice the primary device uploads it after removing a device; the
    /// server keeps the newest and hands it out with the devices (Specs/server-api.md §5.2).
    func setDeviceList(_ request: Request, logger: Logger) async throws -> Response {
        let (caller, body) = try await authenticated(request)
        let input = try JSONInput.decode(DeviceListJSON.self, from: body)
        let user = caller.address.user
        guard let account = try await storage.account(user) else { throw ServerError.unknownUser }
        let list = try Self.signedDeviceList(input, of: user, accountKey: account.accountKey)
        try await storage.setDeviceList(list, signedBy: account.accountKey)
        logger.info("device list replaced", metadata: ["user": "\(user)", "version": "\(list.version)"])
        return Response(status: .noContent)
    }

    /// A device list from a request body, checked for shape and for the account key's signature.
    /// - Parameter naming: a device the list must name with exactly this identity key.
    /// - Throws: ``ServerError/invalidDeviceList``.
    static func signedDeviceList(
        _ json: DeviceListJSON, of user: UserID, accountKey: Ed25519.PublicKey, naming device: DeviceRecord? = nil
    ) throws(ServerError) -> SignedDeviceList {
        guard let list = try? json.list(for: user), list.isSigned(by: accountKey) else {
            throw ServerError.invalidDeviceList
        }
        if let device, list.identityKey(of: device.id) != device.identityKey { throw ServerError.invalidDeviceList }
        return list
    }
}

import ParleyCrypto

@testable import ParleyKeyServer

extension KeyServerStorage {
    /// Registers `user` with device 1 directly in the storage, which checks no certificates
    /// (the routes do); one fresh key serves as account and device key.
    /// - Returns: the device's address.
    func registerUser(_ user: String) async throws -> DeviceAddress {
        let key = Ed25519.PrivateKey(random: SystemRandomSource()).publicKey
        let address = DeviceAddress(user: try UserID(user), device: 1)
        try await createAccount(
            user: address.user, accountKey: key, device: DeviceRecord(id: 1, identityKey: key, certificate: [1]))
        return address
    }
}

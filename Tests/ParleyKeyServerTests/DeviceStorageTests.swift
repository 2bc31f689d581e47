import ParleyCrypto
import Testing

@testable import ParleyKeyServer

/// Adding a device at the storage level, on every backend: the device and the signed prekey it
/// came with are stored together or not at all.
@Suite("Device storage")
struct DeviceStorageTests {
    @Test(arguments: Backend.allCases)
    func deviceAndSignedPreKeyAreStoredTogether(backend: Backend) async throws {
        try await backend.withStorage { storage in
            let dana = try UserID("dana")
            let accountKey = Self.identityKey()
            try await storage.createAccount(
                user: dana, accountKey: accountKey, device: DeviceRecord(id: 1, identityKey: Self.identityKey(), certificate: [1])
            )
            let first = Self.signedPreKey()
            try await storage.addDevice(
                DeviceRecord(id: 2, identityKey: Self.identityKey(), certificate: [2]), signedPreKey: first, to: dana, at: 1)
            #expect(try await Self.claimedSignedPreKey(of: 2, dana, storage) == first.key)

            // A taken id with another prekey: refused, and the stored device keeps its own.
            await #expect(throws: DirectoryError.deviceTaken) {
                try await storage.addDevice(
                    DeviceRecord(id: 2, identityKey: Self.identityKey(), certificate: [3]), signedPreKey: Self.signedPreKey(),
                    to: dana, at: 1)
            }
            #expect(try await Self.claimedSignedPreKey(of: 2, dana, storage) == first.key)

            // An unknown user: refused, nothing stored.
            let ghost = try UserID("ghost")
            await #expect(throws: DirectoryError.unknownUser) {
                try await storage.addDevice(
                    DeviceRecord(id: 1, identityKey: Self.identityKey(), certificate: [4]), signedPreKey: Self.signedPreKey(),
                    to: ghost, at: 1)
            }
            #expect(try await storage.account(ghost) == nil)

            // Without a signed prekey the device is stored but not claimable until it uploads one.
            try await storage.addDevice(
                DeviceRecord(id: 3, identityKey: Self.identityKey(), certificate: [5]), signedPreKey: nil, to: dana, at: 1)
            #expect(try await storage.account(dana)?.devices.map(\.id) == [1, 2, 3])
            #expect(try await storage.claimBundles(of: dana, devices: [3]).isEmpty)
        }
    }

    private static func identityKey() -> Ed25519.PublicKey {
        Ed25519.PrivateKey(random: SystemRandomSource()).publicKey
    }

    /// A signed prekey record (the storage does not check signatures; the routes do).
    private static func signedPreKey() -> SignedPreKeyRecord {
        SignedPreKeyRecord(
            key: X25519.PrivateKey(random: SystemRandomSource()).publicKey, signature: Array(repeating: 7, count: 64))
    }

    private static func claimedSignedPreKey(of device: UInt32, _ user: UserID, _ storage: any KeyServerStorage) async throws
        -> X25519.PublicKey?
    {
        try await storage.claimBundles(of: user, devices: [device]).first?.signedPreKey.key
    }
}

/// Removed devices at the storage level, on every backend: a removed identity key is never
/// added to its user again, also after the account was deleted and registered anew.
@Suite("Removed device tombstones")
struct RemovedDeviceStorageTests {
    @Test(arguments: Backend.allCases)
    func aRemovedKeyIsNeverAddedAgain(backend: Backend) async throws {
        try await backend.withStorage { storage in
            let frank = try UserID("frank")
            let key = Ed25519.PrivateKey(random: SystemRandomSource()).publicKey
            let first = DeviceRecord(
                id: 1, identityKey: Ed25519.PrivateKey(random: SystemRandomSource()).publicKey, certificate: [1])
            try await storage.createAccount(user: frank, accountKey: key, device: first)
            try await storage.addDevice(
                DeviceRecord(id: 2, identityKey: key, certificate: [2]), signedPreKey: nil, to: frank, at: 1)
            try await storage.removeDevice(DeviceAddress(user: frank, device: 2))
            for id: UInt32 in [2, 3] {
                await #expect(throws: DirectoryError.deviceRemoved) {
                    try await storage.addDevice(
                        DeviceRecord(id: id, identityKey: key, certificate: [3]), signedPreKey: nil, to: frank, at: 1)
                }
            }
            #expect(try await storage.account(frank)?.devices.map(\.id) == [1])
            // The account goes with its last device; a new account of that user id cannot take
            // the removed key either.
            try await storage.removeDevice(DeviceAddress(user: frank, device: 1))
            try await storage.createAccount(
                user: frank, accountKey: key,
                device: DeviceRecord(
                    id: 1, identityKey: Ed25519.PrivateKey(random: SystemRandomSource()).publicKey, certificate: [4]))
            await #expect(throws: DirectoryError.deviceRemoved) {
                try await storage.addDevice(
                    DeviceRecord(id: 2, identityKey: key, certificate: [5]), signedPreKey: nil, to: frank, at: 1)
            }
        }
    }
}

import Foundation
import ParleyCrypto
import Testing

@testable import ParleyKeyServer

/// PQ prekeys at the storage level, on every backend: they go with their device and with their
/// account, so a device or account registered again under the same id starts with none.
@Suite("PQ prekey storage")
struct PQPreKeyStorageTests {
    static func preKey() throws -> PQPreKeyRecord {
        try PQPreKeyRecord(stored: randomBytes(PQPreKeyRecord.keyByteCount), signature: randomBytes(64))
    }

    static func signedPreKey() -> SignedPreKeyRecord {
        SignedPreKeyRecord(key: X25519.PrivateKey(random: SystemRandomSource()).publicKey, signature: randomBytes(64))
    }

    static let none = PreKeyStatus(oneTime: 0, pqOneTime: 0, signedPreKeyUploadedAt: nil, pqLastResortUploadedAt: nil)

    @Test(arguments: Backend.allCases)
    func removingADeviceOrAccountDeletesItsPQPreKeys(backend: Backend) async throws {
        try await backend.withStorage { storage in
            let first = try await storage.registerUser("frank")
            let user = first.user
            let second = DeviceAddress(user: user, device: 2)
            func addSecond() async throws {
                let key = Ed25519.PrivateKey(random: SystemRandomSource()).publicKey
                try await storage.addDevice(
                    DeviceRecord(id: 2, identityKey: key, certificate: [2]), signedPreKey: Self.signedPreKey(), to: user, at: 7)
            }
            try await addSecond()
            for address in [first, second] {
                try await storage.setPQLastResortPreKey(try Self.preKey(), for: address, at: 9)
                #expect(
                    try await storage.addPQOneTimePreKeys([try Self.preKey(), try Self.preKey()], for: address, limit: 10) == 2)
            }
            #expect(
                try await storage.preKeyStatus(for: second)
                    == PreKeyStatus(oneTime: 0, pqOneTime: 2, signedPreKeyUploadedAt: 7, pqLastResortUploadedAt: 9))

            // The device goes, and a new device 2 (another identity key) has no PQ prekeys.
            try await storage.removeDevice(second)
            try await addSecond()
            #expect(
                try await storage.preKeyStatus(for: second)
                    == PreKeyStatus(
                        oneTime: 0, pqOneTime: 0, signedPreKeyUploadedAt: 7, pqLastResortUploadedAt: nil))
            let bundles = try await storage.claimBundles(of: user, devices: [2])
            #expect(bundles.count == 1)
            #expect(bundles.first?.pqPreKey == nil)
            #expect(try await storage.claimBundles(of: user, devices: [2], requirePQPreKey: true).isEmpty)

            // The account goes with its last device; registered again, device 1 has none.
            try await storage.removeDevice(second)
            try await storage.removeDevice(first)
            #expect(try await storage.preKeyStatus(for: first) == Self.none)
            _ = try await storage.registerUser("frank")
            #expect(try await storage.preKeyStatus(for: first) == Self.none)
        }
    }

    /// Unknown devices: uploads refused, nothing stored anywhere.
    @Test(arguments: Backend.allCases)
    func uploadsForAnUnknownDeviceAreRefused(backend: Backend) async throws {
        try await backend.withStorage { storage in
            let ghost = DeviceAddress(user: try UserID("ghost"), device: 1)
            await #expect(throws: DirectoryError.unknownDevice) {
                try await storage.setPQLastResortPreKey(try Self.preKey(), for: ghost, at: 1)
            }
            await #expect(throws: DirectoryError.unknownDevice) {
                _ = try await storage.addPQOneTimePreKeys([try Self.preKey()], for: ghost, limit: 10)
            }
            #expect(try await storage.preKeyStatus(for: ghost) == Self.none)
        }
    }
}

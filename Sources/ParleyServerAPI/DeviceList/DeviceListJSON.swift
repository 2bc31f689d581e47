import Foundation
import ParleyCrypto

/// A ``SignedDeviceList`` on the wire: `{version, devices: [{id, identity_key}], signature}`, keys
/// and signature in standard base64. The user is the one the surrounding request or response is
/// about.
public struct DeviceListJSON: Codable, Sendable, Equatable {
    /// One device of the list.
    public struct Entry: Codable, Sendable, Equatable {
        public let id: UInt32
        public let identityKey: String

        public init(id: UInt32, identityKey: String) {
            self.id = id
            self.identityKey = identityKey
        }

        enum CodingKeys: String, CodingKey {
            case id
            case identityKey = "identity_key"
        }
    }

    public let version: UInt64
    public let devices: [Entry]
    public let signature: String

    public init(version: UInt64, devices: [Entry], signature: String) {
        self.version = version
        self.devices = devices
        self.signature = signature
    }

    /// The wire form of `list`.
    public init(_ list: SignedDeviceList) {
        self.init(
            version: list.version,
            devices: list.devices.map {
                Entry(id: $0.id, identityKey: Data($0.identityKey.rawRepresentation).base64EncodedString())
            },
            signature: Data(list.signature).base64EncodedString())
    }

    /// The list for `user`, decoded and checked for shape (not for its signature).
    /// - Throws: ``InvalidDeviceList`` for bad base64, a key that is not 32 bytes, or a shape
    ///   ``SignedDeviceList`` refuses.
    public func list(for user: UserID) throws(InvalidDeviceList) -> SignedDeviceList {
        guard devices.count <= SignedDeviceList.maximumDevices, let signature = Data(base64Encoded: self.signature)
        else { throw InvalidDeviceList() }
        var entries: [SignedDeviceList.Entry] = []
        entries.reserveCapacity(devices.count)
        for device in devices {
            guard let bytes = Data(base64Encoded: device.identityKey),
                let key = try? Ed25519.PublicKey(rawRepresentation: Array(bytes))
            else { throw InvalidDeviceList() }
            entries.append(SignedDeviceList.Entry(id: device.id, identityKey: key))
        }
        return try SignedDeviceList(user: user, version: version, devices: entries, signature: Array(signature))
    }
}

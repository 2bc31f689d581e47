import Foundation
import ParleyCrypto

/// The account key's statement of which devices belong to a user, with a version that only grows
/// (Specs/server-api.md §5.2, Specs/client.md "Device lists").
///
/// Signed message: `"parley-device-list-v1" || u8(len(user)) || user || u64(version) || u32(count)
/// || (u32(device id) || identity key)*`, devices by strictly ascending id, integers big-endian.
/// Only the primary device holds the account key, so only it can make a new list; clients pin the
/// highest version they have seen and the keys that left the list, and never accept an older list
/// or a list that brings a removed key back. A server replaying an old certificate therefore
/// cannot bring a removed device back to anyone who saw the removal.
public struct SignedDeviceList: Sendable, Equatable {
    /// One device the list names.
    public struct Entry: Sendable, Equatable {
        /// The device id.
        public let id: UInt32
        /// The device's Ed25519 identity key.
        public let identityKey: Ed25519.PublicKey

        /// Creates an entry.
        public init(id: UInt32, identityKey: Ed25519.PublicKey) {
            self.id = id
            self.identityKey = identityKey
        }
    }

    /// Domain separation prefix of the signed message.
    public static let context: [UInt8] = SignatureDomain.deviceList
    /// Highest version a list may have: 2^53 − 1, so that it survives any JSON number parser.
    public static let maximumVersion: UInt64 = (1 << 53) - 1
    /// Most devices a list may name.
    public static let maximumDevices = 1000

    /// The user the list is about.
    public let user: UserID
    /// The list's version, 1 for an account's first list.
    public let version: UInt64
    /// The devices, by strictly ascending id.
    public let devices: [Entry]
    /// The account key's 64-byte signature over ``signedMessage``.
    public let signature: [UInt8]

    /// A list from its parts, checked for shape (not for its signature).
    /// - Throws: ``InvalidDeviceList`` for a version of 0 or above ``maximumVersion``, more than
    ///   ``maximumDevices`` devices, ids not strictly ascending, or a signature that is not 64 bytes.
    public init(user: UserID, version: UInt64, devices: [Entry], signature: [UInt8]) throws(InvalidDeviceList) {
        guard version >= 1, version <= Self.maximumVersion, devices.count <= Self.maximumDevices,
            signature.count == Ed25519.signatureByteCount,
            zip(devices, devices.dropFirst()).allSatisfy({ $0.id < $1.id })
        else { throw InvalidDeviceList() }
        self.user = user
        self.version = version
        self.devices = devices
        self.signature = signature
    }

    /// Signs a new list with the account key; `devices` are sorted by id here.
    /// - Throws: ``InvalidDeviceList`` as ``init(user:version:devices:signature:)`` (also for an id
    ///   named twice).
    public static func sign(
        user: UserID, version: UInt64, devices: [Entry], with accountKey: Ed25519.PrivateKey
    ) throws(InvalidDeviceList) -> SignedDeviceList {
        let sorted = devices.sorted { $0.id < $1.id }
        let signature = accountKey.signature(for: signedMessage(user: user, version: version, devices: sorted))
        return try SignedDeviceList(user: user, version: version, devices: sorted, signature: signature)
    }

    /// The exact bytes the account key signs.
    public static func signedMessage(user: UserID, version: UInt64, devices: [Entry]) -> [UInt8] {
        let userBytes = user.utf8Bytes
        var message = context
        message.reserveCapacity(context.count + 1 + userBytes.count + 12 + devices.count * 36)
        // A user id is at most 32 bytes, so its length always fits one byte.
        message.append(UInt8(truncatingIfNeeded: userBytes.count))
        message.append(contentsOf: userBytes)
        appendBigEndian(version, to: &message)
        appendBigEndian(UInt32(truncatingIfNeeded: devices.count), to: &message)
        message.append(contentsOf: encodedDevices(devices))
        return message
    }

    /// The devices as the signed message carries them: `(u32(device id) || identity key)*`
    /// (also how a server may store them).
    public static func encodedDevices(_ devices: [Entry]) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(devices.count * (4 + Ed25519.publicKeyByteCount))
        for device in devices {
            appendBigEndian(device.id, to: &bytes)
            bytes.append(contentsOf: device.identityKey.rawRepresentation)
        }
        return bytes
    }

    /// The bytes this list's signature covers.
    public var signedMessage: [UInt8] { Self.signedMessage(user: user, version: version, devices: devices) }

    /// Whether `accountKey` signed this list.
    public func isSigned(by accountKey: Ed25519.PublicKey) -> Bool {
        accountKey.isValidSignature(signature, for: signedMessage)
    }

    /// The identity key the list names for `device`, or nil.
    public func identityKey(of device: UInt32) -> Ed25519.PublicKey? {
        devices.first { $0.id == device }?.identityKey
    }

    private static func appendBigEndian<Value: FixedWidthInteger>(_ value: Value, to bytes: inout [UInt8]) {
        withUnsafeBytes(of: value.bigEndian) { bytes.append(contentsOf: $0) }
    }
}

/// A device list that is malformed: bad version, too many devices, ids out of order or repeated,
/// or a key or signature of the wrong length or encoding.
public struct InvalidDeviceList: Error, Equatable, Sendable {
    /// Creates the error.
    public init() {}
}

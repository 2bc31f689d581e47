/// Bodies of the account and device routes (Specs/server-api.md §5.1–5.2). Bytes are standard
/// base64 strings; whoever decodes one checks its length where it is used.

/// A device as sent on registration and returned in device lists.
public struct DeviceJSON: Codable, Sendable, Equatable {
    public let id: UInt32
    public let identityKey: String
    public let certificate: String

    public init(id: UInt32, identityKey: String, certificate: String) {
        self.id = id
        self.identityKey = identityKey
        self.certificate = certificate
    }

    enum CodingKeys: String, CodingKey {
        case id
        case identityKey = "identity_key"
        case certificate
    }
}

/// `POST /v1/accounts` body.
public struct CreateAccountRequest: Codable, Sendable {
    public let user: String
    public let accountKey: String
    public let device: DeviceJSON
    /// The account's first signed device list (version 1, naming `device`); a client uses an
    /// account only once it has one.
    public let deviceList: DeviceListJSON?

    public init(user: String, accountKey: String, device: DeviceJSON, deviceList: DeviceListJSON? = nil) {
        self.user = user
        self.accountKey = accountKey
        self.device = device
        self.deviceList = deviceList
    }

    enum CodingKeys: String, CodingKey {
        case user
        case accountKey = "account_key"
        case device
        case deviceList = "device_list"
    }
}

/// `POST /v1/devices` body: the device, and when an existing device of the user registers it, the
/// new device's proof of possession (``DeviceLinkProof``).
public struct AddDeviceRequest: Codable, Sendable {
    public let id: UInt32
    public let identityKey: String
    public let certificate: String
    public let linkProof: String?
    /// The new device's first signed prekey (v2-signed), stored with the device; the device is
    /// claimable once it also uploaded a PQ prekey (on its first sync).
    public let signedPreKey: SignedPreKeyRequest?
    /// The account's next signed device list, naming the new device, stored with it.
    public let deviceList: DeviceListJSON?

    public init(
        id: UInt32, identityKey: String, certificate: String, linkProof: String?, signedPreKey: SignedPreKeyRequest? = nil,
        deviceList: DeviceListJSON? = nil
    ) {
        self.id = id
        self.identityKey = identityKey
        self.certificate = certificate
        self.linkProof = linkProof
        self.signedPreKey = signedPreKey
        self.deviceList = deviceList
    }

    enum CodingKeys: String, CodingKey {
        case id
        case identityKey = "identity_key"
        case certificate
        case linkProof = "link_proof"
        case signedPreKey = "signed_prekey"
        case deviceList = "device_list"
    }

    /// The device part of the body.
    public var device: DeviceJSON { DeviceJSON(id: id, identityKey: identityKey, certificate: certificate) }
}

/// `GET /v1/users/{user}/devices` response.
public struct DeviceListResponse: Codable, Sendable {
    public let user: String
    public let accountKey: String
    public let devices: [DeviceJSON]
    /// The newest device list the account key signed, absent when the account has none.
    public let deviceList: DeviceListJSON?

    public init(user: String, accountKey: String, devices: [DeviceJSON], deviceList: DeviceListJSON? = nil) {
        self.user = user
        self.accountKey = accountKey
        self.devices = devices
        self.deviceList = deviceList
    }

    enum CodingKeys: String, CodingKey {
        case user
        case accountKey = "account_key"
        case devices
        case deviceList = "device_list"
    }
}

/// Response of the registration routes: the registered address.
public struct RegisteredResponse: Codable, Sendable {
    public let user: String
    public let device: UInt32

    public init(user: String, device: UInt32) {
        self.user = user
        self.device = device
    }
}

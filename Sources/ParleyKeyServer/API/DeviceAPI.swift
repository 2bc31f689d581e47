/// Wire shapes of the account and device routes (Specs/server-api.md §5.1–5.2). Bytes are base64.

/// A device as sent on registration and returned in device lists.
struct DeviceJSON: Codable {
    let id: UInt32
    let identityKey: String
    let certificate: String

    enum CodingKeys: String, CodingKey {
        case id
        case identityKey = "identity_key"
        case certificate
    }
}

/// `POST /v1/devices` body: the device, and when an existing device of the user registers it, the
/// new device's proof of possession.
struct AddDeviceRequest: Decodable {
    let id: UInt32
    let identityKey: String
    let certificate: String
    let linkProof: String?

    enum CodingKeys: String, CodingKey {
        case id
        case identityKey = "identity_key"
        case certificate
        case linkProof = "link_proof"
    }

    var device: DeviceJSON { DeviceJSON(id: id, identityKey: identityKey, certificate: certificate) }
}

/// `POST /v1/accounts` body.
struct CreateAccountRequest: Decodable {
    let user: String
    let accountKey: String
    let device: DeviceJSON

    enum CodingKeys: String, CodingKey {
        case user
        case accountKey = "account_key"
        case device
    }
}

/// `GET /v1/users/{user}/devices` response.
struct DeviceListResponse: Encodable {
    let user: String
    let accountKey: String
    let devices: [DeviceJSON]

    enum CodingKeys: String, CodingKey {
        case user
        case accountKey = "account_key"
        case devices
    }
}

/// Response of registrations: the registered address.
struct RegisteredResponse: Encodable {
    let user: String
    let device: UInt32
}

extension DeviceJSON {
    init(_ record: DeviceRecord) {
        self.init(
            id: record.id, identityKey: JSONOutput.base64(record.identityKey.rawRepresentation),
            certificate: JSONOutput.base64(record.certificate))
    }

    /// Parses keys and certificate (lengths only; the caller verifies the certificate).
    func record() throws(ServerError) -> DeviceRecord {
        DeviceRecord(
            id: id, identityKey: try JSONInput.ed25519Key(identityKey, field: "identity_key"),
            certificate: try JSONInput.signature(certificate, field: "certificate", error: .invalidCertificate))
    }
}

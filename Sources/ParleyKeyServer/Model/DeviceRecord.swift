import ParleyCrypto

/// A registered device as the directory keeps it: public values only.
public struct DeviceRecord: Sendable, Equatable {
    /// The device id.
    public let id: UInt32
    /// The device's Ed25519 identity key (it signs requests and the signed prekey).
    public let identityKey: Ed25519.PublicKey
    /// The account key's certificate over this device (``DeviceCertificate``).
    public let certificate: [UInt8]

    /// Creates a record.
    /// - Parameters:
    ///   - id: the device id.
    ///   - identityKey: the identity key.
    ///   - certificate: the certificate.
    public init(id: UInt32, identityKey: Ed25519.PublicKey, certificate: [UInt8]) {
        self.id = id
        self.identityKey = identityKey
        self.certificate = certificate
    }
}

import ParleyCrypto

/// A device's signed prekey SPK with the identity key's signature over its 32 raw bytes.
public struct SignedPreKeyRecord: Sendable, Equatable {
    /// SPK.
    public let key: X25519.PublicKey
    /// Ed25519 signature by the device identity key over `key.rawRepresentation`.
    public let signature: [UInt8]

    /// Creates a record.
    /// - Parameters:
    ///   - key: the signed prekey.
    ///   - signature: its signature.
    public init(key: X25519.PublicKey, signature: [UInt8]) {
        self.key = key
        self.signature = signature
    }
}

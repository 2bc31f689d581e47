import ParleyCrypto

/// Short key fingerprints for logs: the first 8 bytes in hex, never a whole key.
enum Fingerprint {
    /// Fingerprint of an Ed25519 public key.
    static func of(_ key: Ed25519.PublicKey) -> String { Hex.encode(key.rawRepresentation.prefix(8)) }
}

import ParleyCrypto

/// PQID: names a PQ prekey on the wire and in stores, `SHA-256(PQPK)` (32 bytes), so that a
/// PreKeyMessage need not repeat the 1568-byte key.
public struct PQPreKeyID: Sendable, Hashable {
    /// Encoded length in bytes.
    public static let byteCount = 32

    /// The 32 bytes.
    public let rawRepresentation: [UInt8]

    /// The identifier of `publicKey`.
    public init(publicKey: MLKEM.PublicKey) {
        rawRepresentation = SHA256.hash(publicKey.rawRepresentation)
    }

    /// Wraps 32 received or stored bytes.
    ///
    /// - Throws: ``CryptoError/invalidLength(expected:actual:)`` unless 32 bytes.
    public init(rawRepresentation bytes: some Collection<UInt8>) throws(CryptoError) {
        let raw = Array(bytes)
        guard raw.count == Self.byteCount else { throw .invalidLength(expected: Self.byteCount, actual: raw.count) }
        rawRepresentation = raw
    }
}

extension PQPreKeyID: CustomStringConvertible {
    /// A short fingerprint (first 8 bytes in hex); identifiers are public.
    public var description: String { "PQPreKeyID(\(Hex.encode(rawRepresentation.prefix(8)))…)" }
}

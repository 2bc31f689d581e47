import ParleyCrypto

/// A device's PQ prekey as the server keeps it: an ML-KEM-1024 public key, opaque bytes of a fixed
/// length to the server, with the identity key's signature over
/// `SignatureDomain.pqPreKeyV2 || key` (Specs/protocol.md, Parley-v2; Specs/server-api.md §5.3).
///
/// Only ``verified(key:signature:by:)`` makes one from outside bytes, so a stored record has
/// always had its length and signature checked.
public struct PQPreKeyRecord: Sendable, Hashable {
    /// Bytes of an ML-KEM-1024 public key (FIPS 203: 1568).
    public static let keyByteCount = 1568

    /// The ML-KEM-1024 public key.
    public let key: [UInt8]
    /// Ed25519 signature by the device identity key over `SignatureDomain.pqPreKeyV2 || key`.
    public let signature: [UInt8]

    /// A record read back from storage, where it was checked before it was stored.
    /// - Throws: ``PQPreKeyError`` when the stored lengths are not the expected ones (a corrupt row).
    init(stored key: [UInt8], signature: [UInt8]) throws(PQPreKeyError) {
        guard key.count == Self.keyByteCount else { throw .invalidKeyLength }
        guard signature.count == Ed25519.signatureByteCount else { throw .invalidSignature }
        self.key = key
        self.signature = signature
    }

    /// The bytes the signature covers: the domain prefix, then the key.
    public static func signedMessage(for key: [UInt8]) -> [UInt8] { SignatureDomain.pqPreKeyV2 + key }

    /// A record from uploaded bytes, its length and signature checked.
    /// - Parameters:
    ///   - key: the public key bytes (exactly ``keyByteCount``).
    ///   - signature: the signature bytes.
    ///   - identityKey: the uploading device's identity key.
    /// - Throws: ``PQPreKeyError/invalidKeyLength``, ``PQPreKeyError/invalidSignature``.
    public static func verified(key: [UInt8], signature: [UInt8], by identityKey: Ed25519.PublicKey) throws(PQPreKeyError)
        -> PQPreKeyRecord
    {
        guard key.count == keyByteCount else { throw .invalidKeyLength }
        guard signature.count == Ed25519.signatureByteCount,
            identityKey.isValidSignature(signature, for: signedMessage(for: key))
        else { throw .invalidSignature }
        return try PQPreKeyRecord(stored: key, signature: signature)
    }
}

/// Why bytes are not a PQ prekey.
public enum PQPreKeyError: Error, Equatable {
    /// The key is not 1568 bytes.
    case invalidKeyLength
    /// The signature is not 64 bytes or does not verify under the identity key.
    case invalidSignature
}

/// A PQ prekey as a claim hands it out.
public struct ClaimedPQPreKey: Sendable, Equatable {
    /// The key and its signature.
    public let record: PQPreKeyRecord
    /// True for the device's last-resort key (it stays on the server), false for a one-time key
    /// (deleted in the claim's transaction).
    public let lastResort: Bool

    /// Creates one.
    /// - Parameters:
    ///   - record: the key and its signature.
    ///   - lastResort: whether it is the last-resort key.
    public init(record: PQPreKeyRecord, lastResort: Bool) {
        self.record = record
        self.lastResort = lastResort
    }
}

/// What `GET /v1/keys/count` reports about one device, as the storage knows it.
public struct PreKeyStatus: Sendable, Equatable {
    /// One-time prekeys held.
    public var oneTime: Int
    /// One-time PQ prekeys held.
    public var pqOneTime: Int
    /// When the signed prekey was uploaded (Unix ms), if known.
    public var signedPreKeyUploadedAt: Int64?
    /// When the last-resort PQ prekey was uploaded (Unix ms), nil when the device has none.
    public var pqLastResortUploadedAt: Int64?

    /// Creates a status.
    /// - Parameters:
    ///   - oneTime: one-time prekeys held.
    ///   - pqOneTime: one-time PQ prekeys held.
    ///   - signedPreKeyUploadedAt: upload time of the signed prekey.
    ///   - pqLastResortUploadedAt: upload time of the last-resort PQ prekey.
    public init(oneTime: Int, pqOneTime: Int, signedPreKeyUploadedAt: Int64?, pqLastResortUploadedAt: Int64?) {
        self.oneTime = oneTime
        self.pqOneTime = pqOneTime
        self.signedPreKeyUploadedAt = signedPreKeyUploadedAt
        self.pqLastResortUploadedAt = pqLastResortUploadedAt
    }
}

/// The prefix that starts every message signed with a Parley key, one per meaning, so that a
/// signature made for one purpose can never be presented as one made for another.
///
/// Specs/protocol.md §11 lists the same table; a new kind of signature gets a new prefix here first.
/// The only unprefixed signature is Parley-v1's signed prekey (`Sign(IK_B, SPK_B)`), fixed by the
/// Parley-v1 wire format and its vectors; Parley-v2 signs prekeys under ``signedPreKeyV2`` and
/// ``pqPreKeyV2``, and no other message signed by an identity key is 32 bytes long.
public enum SignatureDomain {
    // MARK: Signed by a device's identity key (IK)

    /// A Parley-v2 signed prekey: `"parley-spk-v2" || SPK (32 bytes)`.
    public static let signedPreKeyV2: [UInt8] = Array("parley-spk-v2".utf8)
    /// A Parley-v2 ML-KEM-1024 prekey: `"parley-pqpk-v2" || PQPK (1568 bytes)`.
    public static let pqPreKeyV2: [UInt8] = Array("parley-pqpk-v2".utf8)
    /// A request to the key server: `"parley-auth-v1\n" || method \n path \n time \n hex(SHA-256(body))`.
    public static let request: [UInt8] = Array("parley-auth-v1\n".utf8)
    /// A new device's consent to joining an account: `"parley-link-v1" || statement`.
    public static let linkProof: [UInt8] = Array("parley-link-v1".utf8)

    // MARK: Signed by an account key

    /// An account's certificate for one of its devices: `"parley-device-v1" || statement`.
    public static let deviceCertificate: [UInt8] = Array("parley-device-v1".utf8)
    /// An account's versioned list of its devices: `"parley-device-list-v1" || encoded list`.
    public static let deviceList: [UInt8] = Array("parley-device-list-v1".utf8)

    /// Every prefix above, for the test that no prefix is a prefix of another.
    public static let all: [[UInt8]] = [
        signedPreKeyV2, pqPreKeyV2, request, linkProof, deviceCertificate, deviceList,
    ]
}

/// The named constants of the Parley-v2 suite (Specs/protocol.md §13): PQXDH with ML-KEM-1024.
/// Everything not named here is Parley-v1's (``ParleyV1``): limits, primitives, rules.
public enum ParleyV2 {
    /// Wire format version byte.
    public static let version: UInt8 = 0x02
    /// HKDF info of the PQXDH secret.
    static let pqxdhInfo = Array("Parley-v2 PQXDH".utf8)
    /// HKDF info of KDF_RK.
    static let rootInfo = Array("Parley-v2 root".utf8)
}

import ParleyCrypto

/// The post-quantum part of a Parley-v2 PreKeyMessage prefix: which PQ prekey of the responder
/// was used (PQID_B) and the ML-KEM ciphertext made to it (CT). Part of the prefix that routes a
/// PreKeyMessage to its session (Specs/protocol.md §13.8).
public struct PQXDHPrefix: Sendable, Equatable {
    /// PQID_B.
    public let preKeyID: PQPreKeyID
    /// CT (1568 bytes).
    public let ciphertext: MLKEM.Ciphertext

    /// Pairs a prekey identifier with the ciphertext made to that prekey.
    public init(preKeyID: PQPreKeyID, ciphertext: MLKEM.Ciphertext) {
        self.preKeyID = preKeyID
        self.ciphertext = ciphertext
    }
}

import ParleyCrypto

/// What a new Parley-v2 session's commit does to the PQ prekey it used (rule 2 step 9): a
/// one-time PQ prekey is deleted; for a last-resort one the pair (PQID_B, EK_A) is recorded, so
/// that the same first message replayed later is a duplicate.
public enum PQPreKeyUse: Sendable, Equatable {
    /// Delete this one-time PQ prekey.
    case oneTime(PQPreKeyID)
    /// Record that this last-resort PQ prekey was used with this EK_A.
    case lastResort(PQPreKeyID, baseKey: X25519.PublicKey)
}

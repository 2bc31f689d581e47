/// The named constants of the Parley-v1 suite (Specs/protocol.md).
public enum ParleyV1 {
    /// Wire format version byte.
    public static let version: UInt8 = 0x01
    /// HKDF info of the X3DH secret.
    static let x3dhInfo = Array("Parley-v1 X3DH".utf8)
    /// HKDF info of KDF_RK.
    static let rootInfo = Array("Parley-v1 root".utf8)
    /// The X3DH "F" prefix: 32 0xFF bytes, so that the input can never be mistaken for an XEdDSA
    /// scalar (kept from Signal's X3DH for compatibility of reasoning).
    static let x3dhPrefix = [UInt8](repeating: 0xFF, count: 32)

    /// Most message keys one message may make us derive and store on one chain (Signal's
    /// MAX_SKIP). Bounds the work and memory a single forged header can cost.
    public static let maxSkip: UInt64 = 1000
    /// Most skipped message keys a session keeps; the oldest are dropped first. Two full skips'
    /// worth, so a burst on the previous chain and on the new one both survive.
    public static let maxStoredSkippedKeys = 2000
    /// Previous receiving chains whose ratchet keys a session remembers, so that a replay of an
    /// old-chain message is reported as a duplicate rather than as a forgery.
    public static let maxRememberedReceivingChains = 20
    /// Previous sessions with a peer kept (newest first) to decrypt late messages after the
    /// peer started a new session.
    public static let maxArchivedSessions = 40
    /// Most sessions of one record a Message with an unknown ratchet key is tried on (each try
    /// costs one X25519 and up to MAX_SKIP chain steps). Two cover simultaneous initiation: the
    /// current session and the archived one the peer answers in.
    public static let maxNewRatchetKeyAttempts = 2
}

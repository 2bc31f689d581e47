import ParleyCrypto

/// Why a Parley operation failed. Each decrypt case is one test-vector category
/// (`malformed`, `authentication`, …); a failure never changes any state.
public enum ProtocolError: Error, Equatable, Sendable {
    /// The bytes are not a well-formed Parley message (see ``WireError`` for which field).
    case malformed(WireError)
    /// A well-formed message of a suite this receiver does not accept (Parley-v1 where it is
    /// disabled, ``VersionPolicy``); refused before any routing or cryptography.
    case unsupportedVersion(UInt8)
    /// The message did not authenticate. Deliberately says nothing more.
    case authentication
    /// The message's key was already used or dropped (a replay, or a message too late to keep),
    /// or a PreKeyMessage repeats a (last-resort PQ prekey, EK_A) pair already used.
    case duplicate
    /// Decrypting would need more than ``ParleyV1/maxSkip`` skipped keys on one chain.
    case tooManySkipped(requested: UInt64)
    /// A PreKeyMessage names a signed, one-time or PQ prekey that we do not hold.
    case unknownPreKey
    /// A prekey bundle's signed-prekey or PQ-prekey signature does not verify.
    case badSignature
    /// A key is unusable: an all-zero X25519 output or an identity key that is not a valid point.
    case invalidKey
    /// The message belongs to a session whose identity key is not the one trusted for its
    /// address (``IdentityTrust``): a PreKeyMessage from another identity, or a Message only an
    /// old session made with a key no longer trusted can decrypt.
    case untrustedIdentity
    /// There is no session with this peer to encrypt with (encrypt only).
    case noSession
    /// The sending chain has used all 2^32 message numbers; a reply from the peer starts a new
    /// one (encrypt only; practically unreachable).
    case sendingChainExhausted

    /// The test-vector category name of this error.
    public var category: String {
        switch self {
        case .malformed: "malformed"
        case .unsupportedVersion: "unsupported_version"
        case .authentication: "authentication"
        case .duplicate: "duplicate"
        case .tooManySkipped: "too_many_skipped"
        case .unknownPreKey: "unknown_prekey"
        case .badSignature: "bad_signature"
        case .invalidKey: "invalid_key"
        case .untrustedIdentity: "untrusted_identity"
        case .noSession: "no_session"
        case .sendingChainExhausted: "sending_chain_exhausted"
        }
    }

    /// Maps a primitive's failure onto the protocol category it stands for.
    init(_ error: CryptoError) {
        switch error {
        case .authenticationFailure: self = .authentication
        case .invalidKey, .libraryUnavailable: self = .invalidKey
        case .nonCanonicalKey: self = .malformed(.nonCanonicalKey(field: "key"))
        case .invalidLength: self = .malformed(.truncated(field: "key"))
        }
    }
}

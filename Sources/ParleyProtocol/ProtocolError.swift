import ParleyCrypto

/// Why a Parley-v1 operation failed. Each decrypt case is one test-vector category
/// (`malformed`, `authentication`, …); a failure never changes any state.
public enum ProtocolError: Error, Equatable, Sendable {
    /// The bytes are not a well-formed Parley-v1 message (see ``WireError`` for which field).
    case malformed(WireError)
    /// The message did not authenticate. Deliberately says nothing more.
    case authentication
    /// The message's key was already used or dropped (a replay, or a message too late to keep).
    case duplicate
    /// Decrypting would need more than ``ParleyV1/maxSkip`` skipped keys on one chain.
    case tooManySkipped(requested: UInt64)
    /// A PreKeyMessage names a signed or one-time prekey that we do not hold.
    case unknownPreKey
    /// A prekey bundle's signed-prekey signature does not verify.
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

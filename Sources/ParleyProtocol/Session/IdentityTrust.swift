import ParleyCrypto

/// Which identity key a peer address's messages may come from: the trusted-identity decision
/// (Specs/protocol.md §6.5), made inside ``SessionCipher/decrypt(_:record:identity:preKeys:random:trust:)``
/// before anything changes, so that a decision and the state it protects commit together.
///
/// A message whose session would have an identity key this policy does not trust fails with
/// ``ProtocolError/untrustedIdentity`` and changes nothing: a PreKeyMessage naming another
/// identity key never becomes the address's session, and a Message that only an old session
/// (made with a key no longer trusted) can decrypt is refused.
public enum IdentityTrust: Sendable, Equatable {
    /// Trust on first use, pinned by the record: an address without sessions accepts any
    /// identity key; after that only the key of its newest session (the current one, else the
    /// newest archived). The pin moves only by an explicit call: starting a session from a
    /// bundle the caller chose (``SessionCipher/initiate(identity:bundle:random:)``, then
    /// ``SessionRecord/makeCurrent(_:)``).
    case pinnedByRecord
    /// Only this key: for callers that know the peer's identity from elsewhere (ParleyClient:
    /// the device key certified by the pinned account key).
    case only(Ed25519.PublicKey)

    /// Whether a session with `identityKey` may be used for the address whose record is `record`.
    func trusts(_ identityKey: Ed25519.PublicKey, record: SessionRecord) -> Bool {
        switch self {
        case .only(let trusted):
            return identityKey == trusted
        case .pinnedByRecord:
            guard let pinned = record.current?.remoteIdentityKey ?? record.archived.first?.remoteIdentityKey else {
                return true
            }
            return identityKey == pinned
        }
    }
}

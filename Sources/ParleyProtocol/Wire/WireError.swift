/// What was wrong with a received message's bytes. Carried by ``ProtocolError/malformed(_:)``.
public enum WireError: Error, Equatable, Sendable {
    /// The bytes end before `field` is complete.
    case truncated(field: String)
    /// The version byte names no Parley suite (neither 0x01 nor 0x02). A known suite that the
    /// receiver does not accept is ``ProtocolError/unsupportedVersion(_:)`` instead.
    case unknownVersion(UInt8)
    /// The Message inside a PreKeyMessage has another version byte than the PreKeyMessage.
    case versionMismatch(outer: UInt8, inner: UInt8)
    /// The type byte is neither Message (0x01) nor PreKeyMessage (0x02), or not the one expected.
    case unknownType(UInt8)
    /// An X25519 key field is not a canonical encoding.
    case nonCanonicalKey(field: String)
    /// The one-time-prekey flag is neither 0x00 nor 0x01.
    case invalidFlag(UInt8)
    /// A PreKeyMessage whose Message has `PN ≠ 0`: not one of the initiator's first chain.
    case wrappedLaterChain
}

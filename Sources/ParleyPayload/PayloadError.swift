/// Why bytes are not a valid message payload, or why a payload cannot be built (Specs/client.md,
/// "Payload").
///
/// The payload arrives inside an authenticated ratchet message, so these describe a buggy or
/// hostile peer rather than line noise; the cases carry only public numbers.
public enum PayloadError: Error, Equatable, Sendable {
    /// The bytes end before a field that the layout requires.
    case truncated
    /// A version this client does not know (only 1 exists).
    case unsupportedVersion(UInt8)
    /// A body kind this client does not know.
    case unknownKind(UInt8)
    /// The "synced to" flag byte is neither 0 nor 1.
    case invalidFlag(UInt8)
    /// The "synced to" user is not a user id.
    case invalidUserID
    /// A text field is not valid UTF-8.
    case invalidUTF8
    /// The text body is longer than ``MessageBody/maximumTextByteCount`` bytes (the length given).
    case textTooLong(Int)
    /// A receipt lists no ids or more than ``MessageBody/maximumReceiptCount`` (the count given).
    case invalidReceiptCount(Int)
    /// A message id is not 16 bytes (the length given).
    case invalidMessageIDLength(Int)
    /// The attachment id is empty, too long, or has a character outside `[A-Za-z0-9_-]`.
    case invalidAttachmentID
    /// The attachment key is not 32 bytes (the length given).
    case invalidAttachmentKeyLength(Int)
    /// The ciphertext digest is not 32 bytes (the length given).
    case invalidDigestLength(Int)
    /// A size is negative, above the limit, or the ciphertext size does not follow from the
    /// plaintext size.
    case invalidAttachmentSize
    /// The file name is too long, contains `/` or NUL, or is `.` or `..`.
    case invalidFileName
    /// The media type is too long or contains a byte outside printable ASCII.
    case invalidMediaType
    /// The total length is not the body rounded up to a multiple of the padding block.
    case invalidPadding
    /// A padding byte is not zero.
    case nonZeroPadding
}

/// Why stored session bytes could not be restored. Storage is authenticated by the encrypted
/// store, so these mean a bug or a format from another version, never a crash.
public enum SessionSnapshotError: Error, Equatable, Sendable {
    /// The format version is not one this build reads.
    case unsupportedVersion(UInt8)
    /// The bytes end inside `field`.
    case truncated(field: String)
    /// `field` holds a value that is out of range or not a valid key.
    case invalidValue(field: String)
    /// Bytes remain after the record.
    case trailingBytes
}

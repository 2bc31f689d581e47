/// Why a scanned text cannot be compared with a ``SafetyNumber``.
public enum SafetyNumberError: Error, Equatable, Sendable {
    /// The text is not a Parley safety code (`parley-safety:VERSION:HEX:HEX`, 64 hex digits each).
    case notASafetyCode
    /// A safety code of a version this client does not know (the version text given).
    case unsupportedVersion(String)
}

/// A Parley suite as named by a message's first byte. Sessions, headers and PreKeyMessages each
/// carry one, so that nothing of one suite can be read as the other.
public enum ProtocolVersion: UInt8, Sendable, Hashable, CaseIterable {
    /// Parley-v1: X3DH (Specs/protocol.md §3–§11).
    case v1 = 0x01
    /// Parley-v2: PQXDH with ML-KEM-1024 (Specs/protocol.md §13).
    case v2 = 0x02

    /// The HKDF info of KDF_RK in this suite.
    var rootInfo: [UInt8] {
        switch self {
        case .v1: ParleyV1.rootInfo
        case .v2: ParleyV2.rootInfo
        }
    }
}

/// Which suites a receiver accepts. A well-formed message of a suite it does not accept fails
/// with ``ProtocolError/unsupportedVersion(_:)`` before any routing or cryptography.
///
/// Parley-v2 is always accepted. Parley-v1 is accepted only where a caller keeps existing v1
/// sessions working (the client SDK disables it by default; the core keeps ``all`` as its
/// default so that v1 callers and the v1 test vectors run unchanged).
public struct VersionPolicy: Sendable, Equatable {
    /// Whether Parley-v1 messages are accepted.
    public var acceptsV1: Bool

    /// - Parameter acceptsV1: whether Parley-v1 messages are accepted.
    public init(acceptsV1: Bool) { self.acceptsV1 = acceptsV1 }

    /// Parley-v1 and Parley-v2.
    public static let all = VersionPolicy(acceptsV1: true)
    /// Parley-v2 only.
    public static let v2Only = VersionPolicy(acceptsV1: false)

    /// Whether messages of `version` are accepted.
    public func accepts(_ version: ProtocolVersion) -> Bool { version == .v2 || acceptsV1 }
}

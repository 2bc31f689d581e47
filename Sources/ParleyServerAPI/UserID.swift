/// A user id: 3 to 32 characters of `[a-z0-9._-]` (Specs/server-api.md §1).
///
/// Only this type's initializer decides what a valid user id is; every route that takes a user
/// from outside goes through it.
public struct UserID: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Shortest allowed user id.
    public static let minimumLength = 3
    /// Longest allowed user id; it also fits the certificate's one-byte length prefix.
    public static let maximumLength = 32

    /// The validated id.
    public let rawValue: String

    /// Validates a user id.
    /// - Parameter rawValue: the candidate id.
    /// - Throws: ``InvalidUserID`` when it is too short, too long or has another character.
    public init(_ rawValue: String) throws(InvalidUserID) {
        let scalars = rawValue.unicodeScalars
        guard scalars.count >= Self.minimumLength, scalars.count <= Self.maximumLength else {
            throw InvalidUserID()
        }
        for scalar in scalars {
            switch scalar {
            case "a"..."z", "0"..."9", ".", "_", "-": continue
            default: throw InvalidUserID()
            }
        }
        self.rawValue = rawValue
    }

    /// The id's UTF-8 bytes (ASCII by construction).
    public var utf8Bytes: [UInt8] { Array(rawValue.utf8) }

    /// The id itself; user ids are public.
    public var description: String { rawValue }

    /// Orders by the raw string.
    public static func < (lhs: UserID, rhs: UserID) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// A string that is not a user id (3 to 32 characters of `[a-z0-9._-]`).
public struct InvalidUserID: Error, Equatable, Sendable {
    /// Creates the error.
    public init() {}
}

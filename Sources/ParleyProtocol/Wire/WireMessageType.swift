/// The type byte that follows the version byte.
public enum WireMessageType: UInt8, Sendable {
    /// A Double Ratchet message.
    case message = 0x01
    /// A Double Ratchet message prefixed with the X3DH values that start a session.
    case preKeyMessage = 0x02

    /// Reads version and type and checks they are Parley-v1's and `expected`.
    static func readPrefix(from reader: inout ByteReader, expecting expected: WireMessageType) throws(WireError) {
        let type = try readPrefix(from: &reader)
        guard type == expected else { throw .unknownType(type.rawValue) }
    }

    /// Reads version and type.
    static func readPrefix(from reader: inout ByteReader) throws(WireError) -> WireMessageType {
        guard let version = reader.readByte() else { throw .truncated(field: "version") }
        guard version == ParleyV1.version else { throw .unsupportedVersion(version) }
        guard let rawType = reader.readByte() else { throw .truncated(field: "type") }
        guard let type = WireMessageType(rawValue: rawType) else { throw .unknownType(rawType) }
        return type
    }
}

/// The type byte that follows the version byte.
public enum WireMessageType: UInt8, Sendable {
    /// A Double Ratchet message.
    case message = 0x01
    /// A Double Ratchet message prefixed with the key-agreement values that start a session.
    case preKeyMessage = 0x02

    /// Reads version and type and checks that the type is `expected`.
    static func readPrefix(from reader: inout ByteReader, expecting expected: WireMessageType) throws(WireError)
        -> ProtocolVersion
    {
        let (version, type) = try readPrefix(from: &reader)
        guard type == expected else { throw .unknownType(type.rawValue) }
        return version
    }

    /// Reads version and type: the version must name a Parley suite (0x01 or 0x02), else the
    /// message is malformed.
    static func readPrefix(from reader: inout ByteReader) throws(WireError) -> (ProtocolVersion, WireMessageType) {
        guard let rawVersion = reader.readByte() else { throw .truncated(field: "version") }
        guard let version = ProtocolVersion(rawValue: rawVersion) else { throw .unknownVersion(rawVersion) }
        guard let rawType = reader.readByte() else { throw .truncated(field: "type") }
        guard let type = WireMessageType(rawValue: rawType) else { throw .unknownType(rawType) }
        return (version, type)
    }
}

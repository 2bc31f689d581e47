/// Any Parley message as received (either suite): dispatches on the type byte.
public enum WireMessage: Sendable, Equatable {
    case message(RatchetMessage)
    case preKeyMessage(PreKeyMessage)

    /// Parses received bytes.
    ///
    /// - Throws: ``WireError`` for a bad version or type, or a malformed body.
    public init(serialized bytes: [UInt8]) throws(WireError) {
        var reader = ByteReader(bytes)
        switch try WireMessageType.readPrefix(from: &reader) {
        case (_, .message): self = .message(try RatchetMessage(serialized: bytes))
        case (_, .preKeyMessage): self = .preKeyMessage(try PreKeyMessage(serialized: bytes))
        }
    }

    /// The encoding.
    public var serialized: [UInt8] {
        switch self {
        case .message(let message): message.serialized
        case .preKeyMessage(let message): message.serialized
        }
    }
}

extension WireMessage {
    /// Parses received bytes, reporting a bad encoding as ``ProtocolError/malformed(_:)``.
    public static func parse(_ bytes: [UInt8]) throws(ProtocolError) -> WireMessage {
        do {
            return try WireMessage(serialized: bytes)
        } catch {
            throw .malformed(error)
        }
    }
}

extension WireMessage {
    /// The suite the message belongs to (its first byte).
    public var version: ProtocolVersion {
        switch self {
        case .message(let message): message.header.version
        case .preKeyMessage(let message): message.version
        }
    }
}

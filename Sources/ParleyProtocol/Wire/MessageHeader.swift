import ParleyCrypto

/// The Double Ratchet header of a Parley Message (42 bytes):
/// `version (0x01 or 0x02) || 0x01 (type) || DHs (32) || PN (u32) || N (u32)`.
///
/// The whole 42 bytes, as received, are part of the AEAD associated data.
public struct MessageHeader: Sendable, Equatable {
    /// Encoded length in bytes.
    public static let byteCount = 42

    /// The suite of the session that sent it (byte 0).
    public let version: ProtocolVersion
    /// DHs: the sender's current ratchet public key.
    public let ratchetKey: X25519.PublicKey
    /// PN: number of messages in the sender's previous sending chain.
    public let previousChainLength: UInt32
    /// N: this message's number in the current sending chain.
    public let messageNumber: UInt32

    /// A header of a message of suite `version`.
    public init(
        version: ProtocolVersion = .v1, ratchetKey: X25519.PublicKey, previousChainLength: UInt32, messageNumber: UInt32
    ) {
        self.version = version
        self.ratchetKey = ratchetKey
        self.previousChainLength = previousChainLength
        self.messageNumber = messageNumber
    }

    /// The 42 header bytes.
    public var serialized: [UInt8] {
        var writer = ByteWriter(capacity: Self.byteCount)
        write(to: &writer)
        return writer.bytes
    }

    /// Appends the 42 header bytes.
    func write(to writer: inout ByteWriter) {
        writer.write(version.rawValue)
        writer.write(WireMessageType.message.rawValue)
        writer.write(ratchetKey.rawRepresentation)
        writer.write(previousChainLength)
        writer.write(messageNumber)
    }

    /// Reads a header at the reader's position: version, type 0x01, canonical DHs, PN, N.
    static func read(from reader: inout ByteReader) throws(WireError) -> MessageHeader {
        let version = try WireMessageType.readPrefix(from: &reader, expecting: .message)
        guard let dh = reader.readBytes(X25519.keyByteCount) else { throw .truncated(field: "DHs") }
        let ratchetKey = try X25519.PublicKey.parse(dh, field: "DHs")
        guard let pn = reader.readUInt32() else { throw .truncated(field: "PN") }
        guard let n = reader.readUInt32() else { throw .truncated(field: "N") }
        return MessageHeader(version: version, ratchetKey: ratchetKey, previousChainLength: pn, messageNumber: n)
    }
}

extension X25519.PublicKey {
    /// Parses a wire key field, naming the field in the error.
    static func parse(_ bytes: ArraySlice<UInt8>, field: String) throws(WireError) -> X25519.PublicKey {
        do {
            return try X25519.PublicKey(rawRepresentation: bytes)
        } catch .nonCanonicalKey {
            throw .nonCanonicalKey(field: field)
        } catch {
            throw .truncated(field: field)
        }
    }
}

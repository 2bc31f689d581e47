import ParleyCrypto

/// A Parley Message (either suite): `HEADER (42) || nonce (24) || ciphertext-with-tag (≥ 16)`.
///
/// Parsed fully before any cryptography, and keeps the received bytes so that the AEAD
/// authenticates exactly what arrived (the header is never re-encoded).
public struct RatchetMessage: Sendable, Equatable {
    /// Smallest valid encoding: header, nonce and an empty plaintext's tag.
    public static let minimumByteCount =
        MessageHeader.byteCount + XChaCha20Poly1305.nonceByteCount + XChaCha20Poly1305.tagByteCount

    /// The parsed header.
    public let header: MessageHeader
    /// The complete encoding (as received, or as built for sending).
    public let serialized: [UInt8]

    /// Parses a Message.
    ///
    /// - Throws: ``WireError`` when the bytes are not a well-formed Message.
    public init(serialized bytes: [UInt8]) throws(WireError) {
        var reader = ByteReader(bytes)
        header = try MessageHeader.read(from: &reader)
        guard reader.readBytes(XChaCha20Poly1305.nonceByteCount) != nil else { throw .truncated(field: "nonce") }
        guard reader.remainingCount >= XChaCha20Poly1305.tagByteCount else { throw .truncated(field: "ciphertext") }
        serialized = bytes
    }

    /// A message assembled for sending: `serialized` is HEADER || nonce || ciphertext-with-tag.
    init(header: MessageHeader, serialized: [UInt8]) {
        self.header = header
        self.serialized = serialized
    }

    /// Calls `body` with the header bytes, nonce and ciphertext as received.
    func withParts<R>(
        _ body: (_ header: UnsafeRawBufferPointer, _ nonce: UnsafeRawBufferPointer, _ ciphertext: UnsafeRawBufferPointer) -> R
    ) -> R {
        let nonceEnd = MessageHeader.byteCount + XChaCha20Poly1305.nonceByteCount
        return serialized.withUnsafeBytes { all in
            body(
                UnsafeRawBufferPointer(rebasing: all[0..<MessageHeader.byteCount]),
                UnsafeRawBufferPointer(rebasing: all[MessageHeader.byteCount..<nonceEnd]),
                UnsafeRawBufferPointer(rebasing: all[nonceEnd...]))
        }
    }
}

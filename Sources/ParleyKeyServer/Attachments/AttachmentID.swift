import ParleyCrypto

/// An attachment's id: 32 random bytes as 64 lowercase hex digits, unguessable, so knowing an id
/// is what lets a device fetch it (the content is ciphertext anyway).
struct AttachmentID: Sendable, Hashable, CustomStringConvertible {
    /// Random bytes in an id.
    static let byteCount = 32

    let text: String

    /// A fresh random id.
    init(random: some RandomSource) {
        text = Hex.encode(random.bytes(Self.byteCount))
    }

    /// Parses an id from a path: exactly 64 of `[0-9a-f]`, nothing else (so it is a safe file name).
    /// - Returns: nil for anything else.
    init?(_ text: String) {
        let isLowerHex: (UInt8) -> Bool = { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
        guard text.utf8.count == Self.byteCount * 2, text.utf8.allSatisfy(isLowerHex) else { return nil }
        self.text = text
    }

    var description: String { text }
}

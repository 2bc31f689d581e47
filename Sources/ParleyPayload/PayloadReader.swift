/// A bounds-checked cursor over a received payload: every read returns exactly what was asked
/// or throws ``PayloadError/truncated``.
struct PayloadReader {
    private let bytes: [UInt8]
    private(set) var offset = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    /// The bytes after the cursor.
    var remaining: ArraySlice<UInt8> { bytes[offset...] }

    mutating func bytes(_ count: Int) throws(PayloadError) -> [UInt8] {
        guard count >= 0, bytes.count - offset >= count else { throw .truncated }
        defer { offset += count }
        return Array(bytes[offset..<(offset + count)])
    }

    mutating func byte() throws(PayloadError) -> UInt8 { try bytes(1)[0] }

    /// A big-endian unsigned integer of `width` bytes (at most 8).
    mutating func bigEndian(width: Int) throws(PayloadError) -> UInt64 {
        try bytes(width).reduce(0) { $0 << 8 | UInt64($1) }
    }

    /// A non-negative `Int64` stored as a big-endian u64 whose top bit must be clear.
    mutating func size() throws(PayloadError) -> Int64 {
        let value = try bigEndian(width: 8)
        guard value <= UInt64(Int64.max) else { throw .invalidAttachmentSize }
        return Int64(value)
    }

    /// `count` bytes that must be UTF-8.
    mutating func utf8(_ count: Int) throws(PayloadError) -> String {
        guard let text = String(validating: try bytes(count), as: UTF8.self) else { throw .invalidUTF8 }
        return text
    }
}

extension [UInt8] {
    /// Appends `value` as `width` big-endian bytes.
    mutating func appendBigEndian(_ value: UInt64, width: Int) {
        for index in (0..<width).reversed() { append(UInt8(truncatingIfNeeded: value >> UInt64(index * 8))) }
    }
}

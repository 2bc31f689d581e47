import CSodium

/// Constant-time helpers for comparing byte strings that may be secret or derived from secrets.
public enum ConstantTime {
    /// True when `a` and `b` have equal length and equal contents; the time taken depends only on
    /// the length.
    public static func equals(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Bool {
        guard a.count == b.count else { return false }
        guard let x = a.baseAddress, let y = b.baseAddress else { return true }
        return sodium_memcmp(x, y, a.count) == 0
    }

    /// ``equals(_:_:)`` for byte arrays.
    public static func equals(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        a.withUnsafeBytes { x in b.withUnsafeBytes { y in equals(x, y) } }
    }

    /// True when every byte of `bytes` is zero, in time that depends only on the length.
    public static func isZero(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard let base = bytes.baseAddress else { return true }
        return sodium_is_zero(base.assumingMemoryBound(to: UInt8.self), bytes.count) == 1
    }
}

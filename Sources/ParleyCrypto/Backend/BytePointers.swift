/// Non-null byte pointers for libsodium's C signatures.
///
/// libsodium declares most pointer parameters `nonnull`, but an empty Swift buffer has no base
/// address. For empty buffers these return a pointer to a private scratch byte, which libsodium
/// never reads or writes because the length passed beside it is zero.
nonisolated(unsafe) private let scratchByte = UnsafeMutablePointer<UInt8>.allocate(capacity: 1)

extension UnsafeRawBufferPointer {
    var bytePointer: UnsafePointer<UInt8> {
        baseAddress.map { $0.assumingMemoryBound(to: UInt8.self) } ?? UnsafePointer(scratchByte)
    }
}

extension UnsafeMutableRawBufferPointer {
    var mutableBytePointer: UnsafeMutablePointer<UInt8> {
        baseAddress.map { $0.assumingMemoryBound(to: UInt8.self) } ?? scratchByte
    }
}

extension UnsafeRawBufferPointer {
    /// The same bytes as C `char`s (passphrases, KDF contexts).
    var charPointer: UnsafePointer<CChar> {
        UnsafeRawPointer(bytePointer).assumingMemoryBound(to: CChar.self)
    }
}

import CSodium

/// Secret bytes: zeroed when the last copy is released, compared in constant time, never printed.
///
/// Secret material in Parley lives only in this type (or in key types built on it). It is
/// deliberately not `Codable`, `Hashable` or `CustomStringConvertible` with content: putting a
/// secret into a log line, a JSON body or a dictionary key must be a compile error or print
/// `redacted`. The bytes are immutable after creation, so copies share one zeroing buffer.
// Sendable: the storage is never written after initialisation.
public struct SecureBytes: @unchecked Sendable {
    /// One allocation holding the bytes inline (header: the capacity). Immutable after the
    /// initialiser has written it; zeroed before the memory is released.
    final class Storage: ManagedBuffer<Int, UInt8> {
        static func make(count: Int) -> Storage {
            let buffer = Storage.create(minimumCapacity: Swift.max(count, 1)) { _ in count }
            // `create` returns the dynamic subclass instance; the cast cannot fail.
            let storage = unsafeDowncast(buffer, to: Storage.self)
            storage.withUnsafeMutablePointerToElements { $0.initialize(repeating: 0, count: Swift.max(count, 1)) }
            return storage
        }

        var buffer: UnsafeMutableRawBufferPointer {
            withUnsafeMutablePointers { header, elements in
                UnsafeMutableRawBufferPointer(start: elements, count: Swift.max(header.pointee, 1))
            }
        }

        deinit {
            withUnsafeMutablePointers { header, elements in
                sodium_memzero(elements, Swift.max(header.pointee, 1))
            }
        }
    }

    let storage: Storage
    /// Number of bytes (lengths are public).
    public let count: Int

    /// Creates `count` bytes filled by `initializer`, which must write the whole buffer.
    public init<E: Error>(
        count: Int,
        initializer: (UnsafeMutableRawBufferPointer) throws(E) -> Void
    ) throws(E) {
        let storage = Storage.make(count: count)
        try initializer(UnsafeMutableRawBufferPointer(rebasing: storage.buffer[0..<count]))
        self.storage = storage
        self.count = count
    }

    /// Copies `bytes` into a new zeroing buffer. The caller remains responsible for its own copy.
    public init(copying bytes: some Collection<UInt8>) {
        let storage = Storage.make(count: bytes.count)
        UnsafeMutableRawBufferPointer(rebasing: storage.buffer[0..<bytes.count]).copyBytes(from: bytes)
        self.storage = storage
        self.count = bytes.count
    }

    /// `count` random bytes drawn from `random`.
    public init(randomCount count: Int, from random: some RandomSource) {
        self.init(count: count) { (buffer: UnsafeMutableRawBufferPointer) -> Void in random.fill(buffer) }
    }

    /// Gives read access to the bytes for the duration of `body`.
    public func withUnsafeBytes<R, E: Error>(
        _ body: (UnsafeRawBufferPointer) throws(E) -> R
    ) throws(E) -> R {
        try body(UnsafeRawBufferPointer(rebasing: storage.buffer[0..<count]))
    }

    /// A new secret holding `range` of these bytes.
    public func slice(_ range: Range<Int>) -> SecureBytes {
        withUnsafeBytes { bytes in SecureBytes(copying: bytes[range]) }
    }

    /// The concatenation of `parts`, as one secret.
    public static func concatenating(_ parts: [SecureBytes]) -> SecureBytes {
        let total = parts.reduce(0) { $0 + $1.count }
        return SecureBytes(count: total) { (out: UnsafeMutableRawBufferPointer) -> Void in
            var offset = 0
            for part in parts {
                part.withUnsafeBytes { bytes in
                    UnsafeMutableRawBufferPointer(rebasing: out[offset..<(offset + bytes.count)]).copyMemory(from: bytes)
                }
                offset += part.count
            }
        }
    }

    /// Copies the bytes out as a plain array, for code that must hand a secret to an outside
    /// format that the caller protects itself (the encrypted store's sealed rows). Named so that
    /// it stands out in review.
    public func unprotectedBytes() -> [UInt8] {
        withUnsafeBytes { Array($0) }
    }
}

extension SecureBytes: Equatable {
    /// Constant-time comparison of the contents (lengths are compared first; they are public).
    public static func == (lhs: SecureBytes, rhs: SecureBytes) -> Bool {
        guard lhs.count == rhs.count else { return false }
        if lhs.count == 0 { return true }
        return lhs.withUnsafeBytes { a in
            rhs.withUnsafeBytes { b in sodium_memcmp(a.baseAddress, b.baseAddress, a.count) == 0 }
        }
    }
}

extension SecureBytes: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public var description: String { "SecureBytes(\(count) bytes, redacted)" }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }
}

extension SecureBytes {
    /// Moves the contents of a plain array into a new secret and zeroes the array, for code that
    /// has to assemble a secret with ordinary array operations (serialised session state).
    public init(zeroingAfterCopy bytes: inout [UInt8]) {
        self.init(copying: bytes)
        bytes.withUnsafeMutableBytes { raw in
            if let base = raw.baseAddress { sodium_memzero(base, raw.count) }
        }
        bytes.removeAll()
    }
}

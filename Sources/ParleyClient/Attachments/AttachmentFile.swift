import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// An open POSIX file descriptor, read and written in caller-sized pieces so that attachments
/// never sit whole in memory. Closed when released.
final class AttachmentFile {
    let path: String
    private let descriptor: Int32

    private init(path: String, descriptor: Int32) {
        self.path = path
        self.descriptor = descriptor
    }

    deinit { close(descriptor) }

    /// Opens an existing file for reading.
    static func openForReading(_ path: String) throws(AttachmentCipherError) -> AttachmentFile {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw .fileAccess(path: path, errno: errno) }
        return AttachmentFile(path: path, descriptor: descriptor)
    }

    /// Creates a new, empty, owner-only file with a unique name in the directory of `sibling`
    /// (`mkstemp`), so that a rename onto `sibling` stays on one file system and is atomic.
    static func createTemporary(nextTo sibling: String) throws(AttachmentCipherError) -> AttachmentFile {
        // A short name of its own in the same folder (so the final rename stays on one file
        // system): a name derived from the sibling's would exceed the 255-byte limit of a path
        // component whenever the sibling's name is longer than 241 bytes.
        let directory = (sibling as NSString).deletingLastPathComponent
        var template = Array(((directory.isEmpty ? "." : directory) + "/.parley-XXXXXX").utf8CString)
        let descriptor = template.withUnsafeMutableBufferPointer { buffer in
            buffer.baseAddress.map { mkstemp($0) } ?? -1
        }
        guard descriptor >= 0 else { throw .fileAccess(path: sibling, errno: errno) }
        let path = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return AttachmentFile(path: path, descriptor: descriptor)
    }

    /// The file's current length.
    func size() throws(AttachmentCipherError) -> Int64 {
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw .fileAccess(path: path, errno: errno) }
        return Int64(info.st_size)
    }

    /// Reads until `buffer` is full or the file ends.
    /// - Returns: the number of bytes read; less than `buffer.count` only at the end of the file.
    func readFull(into buffer: UnsafeMutableRawBufferPointer) throws(AttachmentCipherError) -> Int {
        var filled = 0
        while filled < buffer.count, let base = buffer.baseAddress {
            let count = read(descriptor, base + filled, buffer.count - filled)
            if count == 0 { break }
            if count < 0 {
                if errno == EINTR { continue }
                throw .fileAccess(path: path, errno: errno)
            }
            filled += count
        }
        return filled
    }

    /// ``readFull(into:)`` into the start of an array.
    func readFull(into bytes: inout [UInt8]) throws(AttachmentCipherError) -> Int {
        // withUnsafeMutableBytes rethrows untyped errors; a Result keeps the error type.
        try bytes.withUnsafeMutableBytes { raw in Result { () throws(AttachmentCipherError) in try readFull(into: raw) } }.get()
    }

    /// Writes all of `bytes`.
    func writeAll(_ bytes: [UInt8]) throws(AttachmentCipherError) {
        var written = 0
        while written < bytes.count {
            let count = bytes.withUnsafeBytes { raw in
                raw.baseAddress.map { write(descriptor, $0 + written, raw.count - written) } ?? 0
            }
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { throw .fileAccess(path: path, errno: errno) }
            written += count
        }
    }

    /// Moves back to the start of the file.
    func rewind() throws(AttachmentCipherError) {
        guard lseek(descriptor, 0, SEEK_SET) == 0 else { throw .fileAccess(path: path, errno: errno) }
    }

    /// Flushes the written bytes to the disk before the file is renamed into place.
    func sync() throws(AttachmentCipherError) {
        guard fsync(descriptor) == 0 else { throw .fileAccess(path: path, errno: errno) }
    }

    /// Writes the file through `body` into a temporary file next to `output` and renames it onto
    /// `output` only if `body` succeeded; on any failure the temporary file is removed and
    /// `output` is left as it was.
    static func writeAtomically<R>(
        to output: String, _ body: (AttachmentFile) throws(AttachmentCipherError) -> R
    ) throws(AttachmentCipherError) -> R {
        let temporary = try createTemporary(nextTo: output)
        do throws(AttachmentCipherError) {
            let result = try body(temporary)
            try temporary.sync()
            guard rename(temporary.path, output) == 0 else { throw .fileAccess(path: output, errno: errno) }
            return result
        } catch {
            unlink(temporary.path)
            throw error
        }
    }
}

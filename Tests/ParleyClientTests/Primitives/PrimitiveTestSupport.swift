import Foundation
import ParleyCrypto

/// A deterministic ``RandomSource`` for the client-primitive tests: byte i of the stream is
/// `start &+ i` (never use outside tests).
final class CountingRandomSource: RandomSource, @unchecked Sendable {
    private let lock = NSLock()
    private var next: UInt8

    init(start: UInt8 = 0) { next = start }

    func fill(_ buffer: UnsafeMutableRawBufferPointer) {
        lock.withLock {
            for index in buffer.indices {
                buffer[index] = next
                next &+= 1
            }
        }
    }
}

/// A fresh empty directory under the system's temporary directory, removed by `cleanup()`.
struct ScratchDirectory {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("parley-prims-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    /// The names of the files in the directory, sorted.
    func contents() throws -> [String] { try FileManager.default.contentsOfDirectory(atPath: url.path).sorted() }

    func cleanup() { try? FileManager.default.removeItem(at: url) }
}

import Foundation
import Hummingbird
import ParleyCrypto

/// Attachment files under `DATA_DIR/attachments` (Specs/server-api.md §5.5).
///
/// An upload streams into `DATA_DIR/attachments/incoming/RANDOM.part` and is renamed to
/// `DATA_DIR/attachments/ID` only after the request signature verified; anything else deletes the
/// part file. A file's modification time is set to its upload time on the server clock, which is
/// what expiry reads. The directories are created on the first upload.
struct AttachmentStore: Sendable {
    /// Part files older than this are left over from a crash or a dropped connection and swept.
    static let abandonedPartMilliseconds: Int64 = 24 * 3600 * 1000

    let directory: URL
    let fileIO: FileIO

    init(dataDirectory: String, fileIO: FileIO = FileIO()) {
        directory = URL(fileURLWithPath: dataDirectory, isDirectory: true)
            .appendingPathComponent("attachments", isDirectory: true)
        self.fileIO = fileIO
    }

    private var incoming: URL { directory.appendingPathComponent("incoming", isDirectory: true) }

    /// Where an attachment's file is.
    func path(of id: AttachmentID) -> String { directory.appendingPathComponent(id.text).path }

    /// A body written to a part file, with its length and SHA-256.
    struct Received: Sendable {
        let partPath: String
        let byteCount: Int
        let digest: [UInt8]
    }

    /// Streams `body` into a new part file, hashing and counting as it goes; never holds it whole.
    /// - Parameters:
    ///   - limit: the most bytes accepted.
    ///   - minimumRate: the slowest accepted average, in bytes per second, checked at each chunk
    ///     once `graceMilliseconds` passed since the first read.
    /// - Throws: ``ServerError/bodyTooLarge(limit:)`` past `limit` bytes,
    ///   ``ServerError/uploadTooSlow`` below the rate (the part file is deleted either way), or a
    ///   file-system error.
    func receive(
        _ body: RequestBody, limit: Int, minimumRate: Int, graceMilliseconds: Int64, context: some RequestContext
    ) async throws -> Received {
        try FileManager.default.createDirectory(at: incoming, withIntermediateDirectories: true)
        let partPath = incoming.appendingPathComponent("\(AttachmentID(random: SystemRandomSource())).part").path
        let progress = UploadProgress()
        let contents = HashingBody(
            base: body, limit: limit, minimumRate: minimumRate, grace: .milliseconds(graceMilliseconds), progress: progress)
        do {
            try await fileIO.writeFile(contents: contents, path: partPath, context: context)
        } catch {
            discard(partPath)
            // The file writer wraps what the body sequence threw; the limit and the rate keep
            // their own answers.
            if progress.count > limit { throw ServerError.bodyTooLarge(limit: limit) }
            if progress.tooSlow { throw ServerError.uploadTooSlow }
            // The client's connection broke or sent a malformed body: its fault, not a 5xx.
            if progress.bodyFailed { throw ServerError.malformedRequest }
            throw error
        }
        return Received(partPath: partPath, byteCount: progress.count, digest: progress.hasher.finalize())
    }

    /// Moves a verified part file to its final name, stamped with `createdAt`.
    /// - Returns: the new id.
    func commit(_ received: Received, createdAt: Int64) throws -> AttachmentID {
        let id = AttachmentID(random: SystemRandomSource())
        let date = Date(timeIntervalSince1970: Double(createdAt) / 1000)
        try FileManager.default.setAttributes([.modificationDate: date], ofItemAtPath: received.partPath)
        try FileManager.default.moveItem(atPath: received.partPath, toPath: path(of: id))
        return id
    }

    /// Deletes a part file; a missing file is fine.
    func discard(_ partPath: String) {
        try? FileManager.default.removeItem(atPath: partPath)
    }

    /// The upload time of a stored attachment (Unix ms), or nil when there is none.
    func createdAt(of id: AttachmentID) -> Int64? {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path(of: id)),
            attributes[.type] as? FileAttributeType == .typeRegular,
            let date = attributes[.modificationDate] as? Date
        else { return nil }
        return Int64((date.timeIntervalSince1970 * 1000).rounded())
    }

    /// Deletes attachments uploaded before `createdBefore` and abandoned part files.
    /// - Returns: how many files were deleted.
    @discardableResult
    func purgeExpired(createdBefore: Int64, now: Int64) -> Int {
        var deleted = 0
        for (folder, cutoff) in [(directory, createdBefore), (incoming, now - Self.abandonedPartMilliseconds)] {
            guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder.path) else { continue }
            for name in names {
                let isAttachment = folder == directory ? AttachmentID(name) != nil : name.hasSuffix(".part")
                guard isAttachment else { continue }
                let path = folder.appendingPathComponent(name).path
                guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
                    let date = attributes[.modificationDate] as? Date,
                    Int64((date.timeIntervalSince1970 * 1000).rounded()) < cutoff
                else { continue }
                if (try? FileManager.default.removeItem(atPath: path)) != nil { deleted += 1 }
            }
        }
        return deleted
    }
}

/// Count and hash of the bytes streamed so far; used by one upload task only.
final class UploadProgress {
    var count = 0
    var hasher = SHA256.Hasher()
    /// Set when the upload fell below the minimum rate.
    var tooSlow = false
    /// Set when reading the request body failed (a truncated or malformed body).
    var bodyFailed = false
}

/// A request body that counts and hashes each chunk as the file writer pulls it.
struct HashingBody: AsyncSequence {
    typealias Element = ByteBuffer

    let base: RequestBody
    let limit: Int
    let minimumRate: Int
    let grace: Duration
    let progress: UploadProgress

    struct AsyncIterator: AsyncIteratorProtocol {
        var base: RequestBody.AsyncIterator
        let body: HashingBody
        var startedAt: ContinuousClock.Instant?

        mutating func next() async throws -> ByteBuffer? {
            let start = startedAt ?? ContinuousClock.now
            startedAt = start
            let progress = body.progress
            let next: ByteBuffer?
            do {
                next = try await base.next()
            } catch {
                progress.bodyFailed = true
                throw error
            }
            guard let buffer = next else { return nil }
            progress.count += buffer.readableBytes
            guard progress.count <= body.limit else { throw ServerError.bodyTooLarge(limit: body.limit) }
            // Measured on the server's own monotonic clock: a trickling client cannot stretch it.
            let elapsed = ContinuousClock.now - start
            if elapsed > body.grace {
                let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
                if Double(progress.count) < Double(body.minimumRate) * seconds {
                    progress.tooSlow = true
                    throw ServerError.uploadTooSlow
                }
            }
            buffer.withUnsafeReadableBytes { progress.hasher.update($0) }
            return buffer
        }
    }

    func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(base: base.makeAsyncIterator(), body: self)
    }
}

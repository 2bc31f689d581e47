import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// An append-only record of accepted signatures on disk, so that a ``ReplayCache`` survives a
/// restart (also after `kill -9`): without it, a request accepted just before a crash could be
/// replayed to the restarted server inside its window.
///
/// One 24-byte record per accepted request (expiry, key), written with one `write(2)` before the
/// request is accepted; like SQLite's WAL at `synchronous=NORMAL`, it survives a process crash
/// (the bytes are in the kernel's page cache) but not necessarily a power loss. Records go to
/// segment files named by the second their segment began; a new segment begins every window, and a
/// segment is deleted once every record in it has expired.
///
/// Not thread-safe: its owner serialises calls (``JournaledReplayCache`` under its cache's lock).
final class ReplayJournal {
    private static let recordSize = 24

    private let directory: URL
    private let windowMilliseconds: Int64
    /// Closed segments and the latest expiry in each.
    private var closed: [(url: URL, latestExpiry: Int64)] = []
    private var current: (url: URL, descriptor: Int32, startedAt: Int64, latestExpiry: Int64)?

    /// Opens the journal in `directory` (created if needed) and reads back the records not expired at `now`.
    /// - Parameters:
    ///   - directory: the journal's folder.
    ///   - windowMilliseconds: the replay window (a segment's span).
    ///   - now: the server's time (Unix ms).
    ///   - restore: called with each unexpired record.
    /// - Throws: file-system errors.
    init(
        directory: URL, windowMilliseconds: Int64, now: Int64, restore: (ReplayCache.Key, Int64) -> Void
    ) throws {
        self.directory = directory
        self.windowMilliseconds = windowMilliseconds
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".log") }
        for name in names.sorted() {
            let url = directory.appendingPathComponent(name)
            var latest = Int64.min
            let bytes = [UInt8](try Data(contentsOf: url))
            // A record cut short by a crash mid-write was never acknowledged: ignored.
            for start in stride(from: 0, to: bytes.count - Self.recordSize + 1, by: Self.recordSize) {
                let expiresAt = Int64(bitPattern: Self.word(bytes, at: start))
                let key = ReplayCache.Key(high: Self.word(bytes, at: start + 8), low: Self.word(bytes, at: start + 16))
                latest = max(latest, expiresAt)
                if expiresAt >= now { restore(key, expiresAt) }
            }
            if latest < now {
                try? FileManager.default.removeItem(at: url)
            } else {
                closed.append((url, latest))
            }
        }
    }

    deinit {
        if let current { close(current.descriptor) }
    }

    /// Appends one record; returns once the bytes are written.
    /// - Throws: ``ReplayJournalError`` when the write fails (the request is then not accepted).
    func append(_ key: ReplayCache.Key, expiresAt: Int64, now: Int64) throws {
        try rotate(now: now)
        guard var segment = current else { throw ReplayJournalError.writeFailed }
        var record = [UInt8]()
        record.reserveCapacity(Self.recordSize)
        for word in [UInt64(bitPattern: expiresAt), key.high, key.low] {
            for shift in stride(from: 56, through: 0, by: -8) { record.append(UInt8(truncatingIfNeeded: word >> UInt64(shift))) }
        }
        let written = record.withUnsafeBytes { write(segment.descriptor, $0.baseAddress, $0.count) }
        guard written == Self.recordSize else { throw ReplayJournalError.writeFailed }
        segment.latestExpiry = max(segment.latestExpiry, expiresAt)
        current = segment
    }

    /// Deletes closed segments whose records all expired at `now`.
    func prune(now: Int64) {
        closed.removeAll { segment in
            guard segment.latestExpiry < now else { return false }
            try? FileManager.default.removeItem(at: segment.url)
            return true
        }
    }

    /// Starts a new segment when there is none or the current one is a window old.
    private func rotate(now: Int64) throws {
        if let segment = current, now - segment.startedAt < windowMilliseconds { return }
        if let segment = current {
            close(segment.descriptor)
            closed.append((segment.url, segment.latestExpiry))
            current = nil
        }
        prune(now: now)
        // Zero-padded, so that names sort by time.
        let name = String(repeating: "0", count: max(0, 16 - String(now).count)) + String(now) + ".log"
        let url = directory.appendingPathComponent(name)
        let descriptor = open(url.path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw ReplayJournalError.writeFailed }
        current = (url, descriptor, now, Int64.min)
    }

    private static func word(_ bytes: [UInt8], at start: Int) -> UInt64 {
        var value: UInt64 = 0
        for index in start..<start + 8 { value = value << 8 | UInt64(bytes[index]) }
        return value
    }
}

/// The replay journal could not be written (a backend failure: HTTP 500, request not accepted).
enum ReplayJournalError: Error {
    case writeFailed
}

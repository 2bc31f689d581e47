import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// What one server process keeps in memory for its SQLite database: the replay cache (a
/// ``ReplayCache`` with a ``ReplayJournal`` in the folder `DATABASE-replay/` next to the
/// database, so no request signature goes through SQLite's single writer; Specs/server-api.md §2)
/// and the ``IdentityKeyCache``.
///
/// One server process per database: this holds an exclusive `flock` on `DATABASE-replay/lock`
/// while it lives, and opening the database from a second process fails with
/// ``SQLiteStorageError/databaseInUse``; otherwise each process would accept the other's replays
/// and keep serving keys of devices the other removed. Storages in one process on the same file
/// share one instance (``shared(databasePath:limits:windowMilliseconds:)``).
final class SQLiteProcessState: @unchecked Sendable {
    /// Identity keys of this database's devices.
    let identityKeys = IdentityKeyCache()
    private let cache: ReplayCache
    // Guarded by `lock`.
    private let lock = NSLock()
    private let journal: ReplayJournal
    private let lockDescriptor: Int32

    // Guarded by `registryLock`: the live guards of this process by canonical database path.
    private static let registryLock = NSLock()
    nonisolated(unsafe) private static var registry: [String: WeakGuard] = [:]

    private struct WeakGuard {
        weak var value: SQLiteProcessState?
    }

    /// The state of the database at `databasePath`: this process's live one, or a new one that
    /// takes the database's process lock and reads back the journal.
    /// - Parameters:
    ///   - databasePath: the SQLite file (it exists).
    ///   - limits: the cache's bounds.
    ///   - windowMilliseconds: the replay window.
    /// - Throws: ``SQLiteStorageError/databaseInUse`` when another process holds the database;
    ///   file-system errors.
    static func shared(databasePath: String, limits: ReplayCacheLimits, windowMilliseconds: Int64) throws
        -> SQLiteProcessState
    {
        let canonical = URL(fileURLWithPath: databasePath).standardizedFileURL.resolvingSymlinksInPath().path
        return try registryLock.withLock {
            if let live = registry[canonical]?.value { return live }
            let created = try SQLiteProcessState(
                directory: URL(fileURLWithPath: canonical + "-replay"), limits: limits, windowMilliseconds: windowMilliseconds)
            registry[canonical] = WeakGuard(value: created)
            return created
        }
    }

    private init(directory: URL, limits: ReplayCacheLimits, windowMilliseconds: Int64) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let descriptor = open(directory.appendingPathComponent("lock").path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw SQLiteStorageError.databaseInUse }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            close(descriptor)
            throw SQLiteStorageError.databaseInUse
        }
        let cache = ReplayCache(limits: limits)
        let now = ServerClock.system.now()
        do {
            journal = try ReplayJournal(directory: directory, windowMilliseconds: windowMilliseconds, now: now) {
                cache.restore($0, expiresAt: $1, now: now)
            }
        } catch {
            close(descriptor)
            throw error
        }
        self.cache = cache
        lockDescriptor = descriptor
    }

    deinit {
        // Closing the descriptor releases the process lock.
        close(lockDescriptor)
    }

    /// Records a verified signature: journaled, then in memory. False for a replay.
    /// - Throws: ``ServerError/rateLimited(retryAfterSeconds:)`` at the cache's bounds;
    ///   ``ReplayJournalError`` when the journal cannot be written (nothing recorded).
    func record(_ signature: [UInt8], quota: ReplayCache.Quota, expiresAt: Int64, now: Int64) throws -> Bool {
        let key = ReplayCache.Key(signature: signature)
        return try lock.withLock {
            try cache.record(key, quota: quota, expiresAt: expiresAt, now: now) {
                try journal.append(key, expiresAt: expiresAt, now: now)
            }
        }
    }

    /// Drops records and journal segments expired at `now`.
    func prune(now: Int64) {
        lock.withLock {
            cache.prune(at: now)
            journal.prune(now: now)
        }
    }
}

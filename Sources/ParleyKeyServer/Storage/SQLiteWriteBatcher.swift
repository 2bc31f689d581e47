import Foundation
import GRDB

/// Group commit for ``SQLiteKeyServerStorage``: writes that arrive while a transaction is running
/// are queued, then run together in the next one, each in a savepoint of its own.
///
/// Same guarantees as one transaction per write: writes run one after the other in arrival order,
/// on SQLite's single writer, inside `BEGIN IMMEDIATE` (so a claim's read and delete of a one-time
/// prekey cannot interleave with another); a write that throws rolls back its own savepoint only,
/// and the others go on; every caller resumes only after the commit that holds its changes (an
/// acknowledged send is in the database, as before), and if that commit fails, every write of the
/// batch fails. What is shared is the cost: one hand-off to the writer's thread, one `BEGIN` /
/// `COMMIT` and one write of each changed page per batch instead of per request. The batches run
/// one after another on GRDB's writer queue itself (no task in between). Running the batch on the
/// first caller's own thread instead (no hand-off at all) was measured: no better for claims, 5–10%
/// more server CPU per send, as batches shrank to about one write (one commit each).
final class SQLiteWriteBatcher: @unchecked Sendable {
    /// Most writes in one transaction: 64, so that one transaction stays short.
    static let maxBatch = 64

    private let pool: DatabasePool
    // Guarded by `lock`.
    private let lock = NSLock()
    private var queued: [QueuedWrite] = []
    private var draining = false

    /// A batcher writing to `pool`.
    init(pool: DatabasePool) {
        self.pool = pool
    }

    /// Runs `updates` in a savepoint of the next batch's transaction.
    /// - Returns: what `updates` returned, once the batch has committed.
    /// - Throws: what `updates` threw (its changes rolled back), or the batch's commit error.
    func write<T: Sendable>(_ updates: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            let write = QueuedWrite { db in
                let value = try Self.inSavepoint(db, updates)
                return { continuation.resume(returning: value) }
            } fail: { error in
                continuation.resume(throwing: error)
            }
            let start = lock.withLock {
                queued.append(write)
                let idle = !draining
                draining = true
                return idle
            }
            if start { pool.asyncWriteWithoutTransaction { db in self.drain(db) } }
        }
    }

    /// Runs `updates` in a savepoint: released on success, rolled back to when it throws. The
    /// three statements are cached (GRDB's `inSavepoint` compiles its SQL on every call).
    private static func inSavepoint<T>(_ db: Database, _ updates: (Database) throws -> T) throws -> T {
        try db.cachedStatement(sql: "SAVEPOINT parley_write").execute()
        do {
            let value = try updates(db)
            try db.cachedStatement(sql: "RELEASE SAVEPOINT parley_write").execute()
            return value
        } catch {
            // If SQLite ended the transaction, these fail too, and the batch fails at its commit.
            try? db.cachedStatement(sql: "ROLLBACK TO SAVEPOINT parley_write").execute()
            try? db.cachedStatement(sql: "RELEASE SAVEPOINT parley_write").execute()
            throw error
        }
    }

    /// Runs `body` in a `BEGIN IMMEDIATE` transaction, committed unless it throws. Its three
    /// statements are cached too (GRDB's `inTransaction` compiles them on every call, which cost
    /// more than a claim's own statements).
    private static func inTransaction(_ db: Database, _ body: () throws -> Void) throws {
        try db.cachedStatement(sql: "BEGIN IMMEDIATE TRANSACTION").execute()
        do {
            try body()
            try db.cachedStatement(sql: "COMMIT TRANSACTION").execute()
        } catch {
            if db.isInsideTransaction { try? db.cachedStatement(sql: "ROLLBACK TRANSACTION").execute() }
            throw error
        }
    }

    /// Runs batches until the queue is empty.
    private func drain(_ db: Database) {
        while true {
            let batch: [QueuedWrite] = lock.withLock {
                let batch = Array(queued.prefix(Self.maxBatch))
                queued.removeFirst(batch.count)
                if batch.isEmpty { draining = false }
                return batch
            }
            guard !batch.isEmpty else { return }
            do {
                try Self.inTransaction(db) {
                    for write in batch { write.run(db) }
                }
                for write in batch { write.finish() }
            } catch {
                for write in batch { write.abort(error) }
            }
        }
    }
}

/// One queued write: its savepoint's work, and how its caller is resumed.
private final class QueuedWrite: @unchecked Sendable {
    private let body: (Database) throws -> () -> Void
    private let fail: (any Error) -> Void
    // Set inside the batch's transaction, read after it, by the one draining task.
    private var outcome: Result<() -> Void, any Error>?

    init(_ body: @escaping (Database) throws -> () -> Void, fail: @escaping (any Error) -> Void) {
        self.body = body
        self.fail = fail
    }

    /// Runs the work in the batch's transaction; an error stays with this write. Never outside
    /// the transaction: if SQLite ended it after an earlier write's error, this one fails unrun.
    func run(_ db: Database) {
        guard db.isInsideTransaction else {
            outcome = .failure(SQLiteStorageError.batchNotRun)
            return
        }
        outcome = Result { try body(db) }
    }

    /// After the commit: resumes the caller with its value or its own error.
    func finish() {
        switch outcome {
        case .success(let resume): resume()
        case .failure(let error): fail(error)
        case nil: fail(SQLiteStorageError.batchNotRun)
        }
    }

    /// The batch did not commit: the caller gets that error (its changes were rolled back).
    func abort(_ error: any Error) {
        fail(error)
    }
}

import Foundation
import GRDB
import GRDBSQLite

/// Read-only SQLite connections used on the calling thread, for the single-statement reads of
/// signed routes (`GET /v1/keys/count`, `GET /v1/messages`, identity keys not cached yet).
///
/// GRDB's `DatabasePool.read` hands each read to a reader's queue and back and wraps it in a
/// transaction; for a read of one indexed row that hand-off cost more than SQLite's work. Here a
/// read takes an idle connection (or opens one), runs its statement on the caller's thread and
/// puts the connection back. One statement is its own read transaction (WAL mode: it sees every
/// commit made before it started and never waits for the writer). Connections are opened when
/// more reads than idle connections run at once, so there are at most as many as the threads
/// that ever read at the same time.
final class SQLiteReaders: @unchecked Sendable {
    private let path: String
    // Guarded by `lock`.
    private let lock = NSLock()
    private var idle: [SQLiteReadConnection] = []
    private var isClosed = false

    /// Readers of the database at `path` (which must exist and be in WAL mode).
    init(path: String) {
        self.path = path
    }

    /// Runs `body` with a connection that no other read uses meanwhile.
    /// - Throws: what `body` throws, SQLite's error when no connection can be opened, or
    ///   ``SQLiteStorageError/closed`` after ``close()``.
    func read<T>(_ body: (SQLiteReadConnection) throws -> T) throws -> T {
        let reused = try lock.withLock { () throws(SQLiteStorageError) -> SQLiteReadConnection? in
            guard !isClosed else { throw .closed }
            return idle.popLast()
        }
        let connection = try reused ?? SQLiteReadConnection(path: path)
        // A connection that comes back after close() is dropped, which closes it.
        defer { lock.withLock { if !isClosed { idle.append(connection) } } }
        return try body(connection)
    }

    /// Closes the idle connections; later reads throw ``SQLiteStorageError/closed``.
    func close() {
        lock.withLock {
            isClosed = true
            idle.removeAll()
        }
    }
}

/// One read-only connection with its compiled statements; used by one read at a time.
final class SQLiteReadConnection {
    private let handle: SQLiteConnection
    private var statements: [String: SQLiteStatement] = [:]

    /// Opens `path` read-only, waiting up to 5 s when the file is locked (as the writer does).
    init(path: String) throws {
        var connection: SQLiteConnection?
        let code = sqlite3_open_v2(path, &connection, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nil)
        guard code == SQLITE_OK, let connection else {
            let message = connection.map { String(cString: sqlite3_errmsg($0)) } ?? "cannot open the database"
            sqlite3_close_v2(connection)
            throw DatabaseError(resultCode: ResultCode(rawValue: code), message: message)
        }
        handle = connection
        sqlite3_busy_timeout(connection, 5000)
    }

    deinit {
        for statement in statements.values { sqlite3_finalize(statement) }
        sqlite3_close_v2(handle)
    }

    /// The statement for `sql`, compiled on first use and kept for the connection's life.
    func statement(_ sql: String) throws -> SQLiteRawStatement {
        if let compiled = statements[sql] { return SQLiteRawStatement(handle: compiled, connection: handle) }
        var compiled: SQLiteStatement?
        let code = sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &compiled, nil)
        guard code == SQLITE_OK, let compiled else {
            throw DatabaseError(resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(handle)))
        }
        statements[sql] = compiled
        return SQLiteRawStatement(handle: compiled, connection: handle)
    }
}

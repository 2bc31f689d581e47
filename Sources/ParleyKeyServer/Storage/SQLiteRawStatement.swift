import GRDB
import GRDBSQLite

/// One of GRDB's cached statements, driven through SQLite's C API: arguments bound by position,
/// columns read by position into Swift values, no GRDB rows in between.
///
/// For the statements every claim and send runs (their GRDB row decoding cost more CPU than
/// SQLite itself). Use inside a `Database` access only, and one statement at a time: ``rows(_:)``
/// and ``run()`` reset the statement before they return, so the cached statement is clean for its
/// next user (GRDB or this type).
struct SQLiteRawStatement {
    private let connection: SQLiteConnection?
    private let handle: SQLiteStatement

    /// The cached statement for `sql`, compiled once per connection.
    init(_ database: Database, _ sql: String) throws {
        self.init(handle: try database.cachedStatement(sql: sql).sqliteStatement, connection: database.sqliteConnection)
    }

    /// A statement compiled on `connection` by its owner (``SQLiteReadConnection``), cleared for use.
    init(handle: SQLiteStatement, connection: SQLiteConnection?) {
        self.connection = connection
        self.handle = handle
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
    }

    /// Binds parameter `index` (from 1).
    func bind(_ index: Int32, _ value: Int64) {
        sqlite3_bind_int64(handle, index, value)
    }

    /// Binds parameter `index` (from 1); SQLite keeps its own copy.
    func bind(_ index: Int32, _ value: String) {
        var text = value
        text.withUTF8 { utf8 in
            _ = sqlite3_bind_text(handle, index, utf8.baseAddress, Int32(utf8.count), Self.transient)
        }
    }

    /// Binds parameter `index` (from 1) to a blob; SQLite keeps its own copy.
    func bind(_ index: Int32, _ bytes: [UInt8]) {
        bytes.withUnsafeBytes { raw in
            if let base = raw.baseAddress {
                _ = sqlite3_bind_blob(handle, index, base, Int32(raw.count), Self.transient)
            } else {
                _ = sqlite3_bind_zeroblob(handle, index, 0)
            }
        }
    }

    /// Runs a statement that returns no rows.
    func run() throws {
        defer { sqlite3_reset(handle) }
        _ = try step(expectingRow: false)
    }

    /// Runs the statement and maps each row with `read`, which gets the statement to read
    /// columns from (``int64(_:)``, ``bytes(_:)``, ``text(_:)``).
    func rows<T>(_ read: (SQLiteRawStatement) throws -> T) throws -> [T] {
        defer { sqlite3_reset(handle) }
        var values: [T] = []
        while try step(expectingRow: true) {
            values.append(try read(self))
        }
        return values
    }

    /// True when column `index` (from 0) of the current row is NULL.
    func isNull(_ index: Int32) -> Bool {
        sqlite3_column_type(handle, index) == SQLITE_NULL
    }

    /// Column `index` (from 0) of the current row as an integer (0 when NULL).
    func int64(_ index: Int32) -> Int64 {
        sqlite3_column_int64(handle, index)
    }

    /// Column `index` (from 0) of the current row as bytes; nil when NULL.
    func bytes(_ index: Int32) -> [UInt8]? {
        guard sqlite3_column_type(handle, index) != SQLITE_NULL else { return nil }
        let count = Int(sqlite3_column_bytes(handle, index))
        guard count > 0, let base = sqlite3_column_blob(handle, index) else { return [] }
        return Array(UnsafeRawBufferPointer(start: base, count: count))
    }

    /// Column `index` (from 0) of the current row as UTF-8 text; nil when NULL.
    func text(_ index: Int32) -> String? {
        guard sqlite3_column_type(handle, index) != SQLITE_NULL, let base = sqlite3_column_text(handle, index) else {
            return nil
        }
        let count = Int(sqlite3_column_bytes(handle, index))
        return String(decoding: UnsafeBufferPointer(start: base, count: count), as: UTF8.self)
    }

    /// One step: true on a row, false when done; SQLite's error as GRDB's `DatabaseError`.
    private func step(expectingRow: Bool) throws -> Bool {
        let code = sqlite3_step(handle)
        switch code {
        case SQLITE_ROW where expectingRow: return true
        case SQLITE_DONE: return false
        case SQLITE_ROW: throw DatabaseError(resultCode: .SQLITE_MISUSE, message: "a statement run for no rows returned one")
        default:
            let message = connection.map { String(cString: sqlite3_errmsg($0)) } ?? "SQLite error \(code)"
            throw DatabaseError(resultCode: ResultCode(rawValue: code), message: message)
        }
    }

    /// SQLite's `SQLITE_TRANSIENT`: SQLite copies the bound value before the call returns.
    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
}

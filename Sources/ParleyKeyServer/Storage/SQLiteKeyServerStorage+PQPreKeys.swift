import Foundation
import GRDB

/// PQ prekeys on SQLite (Specs/server-api.md §5.3): the last-resort one in `devices`, one-time
/// ones in `pq_one_time_prekeys` (schema migration `v6`). Every write runs in the write
/// transaction of ``SQLiteWriteBatcher``, which holds SQLite's write lock: a claim's
/// select-and-delete of a one-time PQ prekey cannot interleave with another claim.
extension SQLiteKeyServerStorage {
    public func setPQLastResortPreKey(_ preKey: PQPreKeyRecord, for address: DeviceAddress, at timestamp: Int64)
        async throws
    {
        try await writes.write { db in
            try db.execute(
                sql: """
                    UPDATE devices SET pq_last_resort_key = ?, pq_last_resort_signature = ?, pq_last_resort_at = ?
                    WHERE user = ? AND id = ?
                    """,
                arguments: [
                    Data(preKey.key), Data(preKey.signature), timestamp, address.user.rawValue, Int64(address.device),
                ])
            guard db.changesCount == 1 else { throw DirectoryError.unknownDevice }
        }
    }

    public func addPQOneTimePreKeys(_ preKeys: [PQPreKeyRecord], for address: DeviceAddress, limit: Int) async throws
        -> Int
    {
        try await writes.write { db in
            let arguments: StatementArguments = [address.user.rawValue, Int64(address.device)]
            guard
                try Row.fetchOne(
                    db.cachedStatement(sql: "SELECT 1 FROM devices WHERE user = ? AND id = ?"), arguments: arguments) != nil
            else { throw DirectoryError.unknownDevice }
            let insert = try db.cachedStatement(
                sql: """
                    INSERT INTO pq_one_time_prekeys (user, device, key, signature) VALUES (?, ?, ?, ?)
                    ON CONFLICT DO NOTHING
                    """)
            for preKey in preKeys {
                try insert.execute(
                    arguments: [address.user.rawValue, Int64(address.device), Data(preKey.key), Data(preKey.signature)])
            }
            let held =
                try Int.fetchOne(
                    db.cachedStatement(sql: "SELECT COUNT(*) FROM pq_one_time_prekeys WHERE user = ? AND device = ?"),
                    arguments: arguments) ?? 0
            // Throwing rolls the inserts back: nothing is stored when the limit would be passed.
            guard held <= limit else { throw DirectoryError.preKeyLimit(limit: limit) }
            return held
        }
    }

    public func preKeyStatus(for address: DeviceAddress) async throws -> PreKeyStatus {
        let status = try readers.read { connection in
            let select = try connection.statement(
                """
                SELECT (SELECT COUNT(*) FROM one_time_prekeys WHERE user = ?1 AND device = ?2),
                       (SELECT COUNT(*) FROM pq_one_time_prekeys WHERE user = ?1 AND device = ?2),
                       signed_prekey_at, pq_last_resort_at
                FROM devices WHERE user = ?1 AND id = ?2
                """)
            Self.bind(address, to: select)
            return try select.rows { row in
                PreKeyStatus(
                    oneTime: Int(row.int64(0)), pqOneTime: Int(row.int64(1)),
                    signedPreKeyUploadedAt: row.isNull(2) ? nil : row.int64(2),
                    pqLastResortUploadedAt: row.isNull(3) ? nil : row.int64(3))
            }.first
        }
        return status ?? PreKeyStatus(oneTime: 0, pqOneTime: 0, signedPreKeyUploadedAt: nil, pqLastResortUploadedAt: nil)
    }

    /// Whether the device holds a one-time PQ prekey (inside the claim's write transaction).
    static func holdsPQOneTimePreKey(_ address: DeviceAddress, db: Database) throws -> Bool {
        let select = try SQLiteRawStatement(db, "SELECT 1 FROM pq_one_time_prekeys WHERE user = ? AND device = ? LIMIT 1")
        bind(address, to: select)
        return try !select.rows { $0.int64(0) }.isEmpty
    }

    /// The device's oldest one-time PQ prekey, deleted by the statement that reads it, in the
    /// claim's transaction: handed out at most once. Nil when none is left.
    static func takePQOneTimePreKey(of address: DeviceAddress, db: Database) throws -> PQPreKeyRecord? {
        let delete = try SQLiteRawStatement(
            db,
            """
            DELETE FROM pq_one_time_prekeys WHERE seq = (
                SELECT seq FROM pq_one_time_prekeys WHERE user = ? AND device = ? ORDER BY seq LIMIT 1
            ) RETURNING key, signature
            """)
        bind(address, to: delete)
        guard let row = try delete.rows({ ($0.bytes(0), $0.bytes(1)) }).first else { return nil }
        return try storedPQPreKey(key: required(row.0, "key"), signature: required(row.1, "signature"))
    }

    /// A stored PQ prekey from its two columns: nil when both are NULL (none uploaded).
    /// - Throws: ``SQLiteStorageError/corruptRow(column:)`` when only one is NULL or a length is wrong.
    static func storedPQPreKey(key: [UInt8]?, signature: [UInt8]?) throws -> PQPreKeyRecord? {
        if key == nil, signature == nil { return nil }
        do {
            return try PQPreKeyRecord(stored: required(key, "pq_key"), signature: required(signature, "pq_signature"))
        } catch is PQPreKeyError {
            throw SQLiteStorageError.corruptRow(column: "pq_key")
        }
    }
}

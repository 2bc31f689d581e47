import GRDB
import ParleyCrypto

/// Claims on SQLite (Specs/server-api.md §5.3): one write transaction per claim, which holds
/// SQLite's write lock from its start, so each one-time prekey and one-time PQ prekey a claim
/// deletes with `DELETE … RETURNING` is handed out at most once, for any number of storages on one
/// file.
extension SQLiteKeyServerStorage {
    public func claimBundles(
        of user: UserID, devices: [UInt32]?, requirePQPreKey: Bool,
        mayTakeOneTimePreKey: @escaping @Sendable (UInt32) -> Bool
    )
        async throws -> [PreKeyBundleRecord]
    {
        try await writes.write { db in
            let select = try SQLiteRawStatement(
                db,
                """
                SELECT id, identity_key, certificate, signed_prekey, signed_prekey_signature,
                    pq_last_resort_key, pq_last_resort_signature
                FROM devices WHERE user = ? ORDER BY id
                """)
            select.bind(1, user.rawValue)
            let rows = try select.rows { row in
                ClaimableDevice(
                    id: UInt32(truncatingIfNeeded: row.int64(0)), identityKey: row.bytes(1), certificate: row.bytes(2),
                    signedPreKey: row.bytes(3), signedPreKeySignature: row.bytes(4), pqLastResortKey: row.bytes(5),
                    pqLastResortSignature: row.bytes(6))
            }
            // An account always has a device; the account is looked up only when none was found.
            if rows.isEmpty, try !Self.exists(db, "SELECT 1 FROM accounts WHERE user = ?", [user.rawValue]) {
                throw DirectoryError.unknownUser
            }
            var byID: [UInt32: ClaimableDevice] = [:]
            for row in rows { byID[row.id] = row }
            let ids = try MemoryKeyServerStorage.claimedIDs(devices, available: Set(byID.keys))
            var bundles: [PreKeyBundleRecord] = []
            for id in ids {
                guard let row = byID[id], let spk = row.signedPreKey, let signature = row.signedPreKeySignature else { continue }
                let address = DeviceAddress(user: user, device: id)
                let lastResort = try Self.storedPQPreKey(key: row.pqLastResortKey, signature: row.pqLastResortSignature)
                // Left out before the budget is asked: a device no claim can get a PQ prekey from.
                if requirePQPreKey, lastResort == nil, try !Self.holdsPQOneTimePreKey(address, db: db) { continue }
                let mayTake = mayTakeOneTimePreKey(id)
                var pqPreKey = lastResort.map { ClaimedPQPreKey(record: $0, lastResort: true) }
                if mayTake, let oneTime = try Self.takePQOneTimePreKey(of: address, db: db) {
                    pqPreKey = ClaimedPQPreKey(record: oneTime, lastResort: false)
                }
                // Only one-time PQ prekeys and no budget left: nothing was taken.
                if requirePQPreKey, pqPreKey == nil { continue }
                // A row whose key is NULL is corrupt (`required` below); no row: none left.
                var claimed: [UInt8]?? = nil
                if mayTake {
                    // The oldest key, deleted by the statement that reads it, in this transaction:
                    // handed out at most once.
                    let delete = try SQLiteRawStatement(
                        db,
                        """
                        DELETE FROM one_time_prekeys WHERE seq = (
                            SELECT seq FROM one_time_prekeys WHERE user = ? AND device = ? ORDER BY seq LIMIT 1
                        ) RETURNING key
                        """)
                    delete.bind(1, user.rawValue)
                    delete.bind(2, Int64(id))
                    claimed = try delete.rows { $0.bytes(0) }.first
                }
                let oneTime = try claimed.map { key in
                    try X25519.PublicKey(rawRepresentation: try Self.required(key, "key"))
                }
                let device = DeviceRecord(
                    id: id,
                    identityKey: try Ed25519.PublicKey(rawRepresentation: try Self.required(row.identityKey, "identity_key")),
                    certificate: try Self.required(row.certificate, "certificate"))
                bundles.append(
                    PreKeyBundleRecord(
                        device: device,
                        signedPreKey: SignedPreKeyRecord(key: try X25519.PublicKey(rawRepresentation: spk), signature: signature),
                        oneTimePreKey: oneTime, pqPreKey: pqPreKey))
            }
            return bundles
        }
    }
}

/// A device row as a claim reads it (raw columns; the signed prekey and the last-resort PQ prekey
/// are NULL until uploaded).
private struct ClaimableDevice {
    let id: UInt32
    let identityKey: [UInt8]?
    let certificate: [UInt8]?
    let signedPreKey: [UInt8]?
    let signedPreKeySignature: [UInt8]?
    let pqLastResortKey: [UInt8]?
    let pqLastResortSignature: [UInt8]?
}

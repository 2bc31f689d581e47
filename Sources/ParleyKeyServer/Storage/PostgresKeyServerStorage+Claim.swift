import ParleyCrypto
import PostgresNIO

/// The columns of a device row a claim reads.
private typealias ClaimColumns = (Int64, ByteBuffer, ByteBuffer, ByteBuffer?, ByteBuffer?, ByteBuffer?, ByteBuffer?)

/// Claims on PostgreSQL (Specs/server-api.md §5.3): one transaction per claim; each one-time
/// prekey and one-time PQ prekey is deleted with `DELETE … WHERE seq = (SELECT … FOR UPDATE SKIP
/// LOCKED) RETURNING`, so concurrent claims from any server process take different keys.
extension PostgresKeyServerStorage {
    public func claimBundles(
        of user: UserID, devices: [UInt32]?, requirePQPreKey: Bool,
        mayTakeOneTimePreKey: @escaping @Sendable (UInt32) -> Bool
    )
        async throws -> [PreKeyBundleRecord]
    {
        try await transaction { connection in
            let account = try await connection.query(
                "SELECT 1 FROM accounts WHERE user_id = \(user.rawValue)", logger: queryLogger
            ).collect()
            guard !account.isEmpty else { throw DirectoryError.unknownUser }
            let rows = try await connection.query(
                """
                SELECT id, identity_key, certificate, signed_prekey, signed_prekey_signature,
                    pq_last_resort_key, pq_last_resort_signature
                FROM devices WHERE user_id = \(user.rawValue) ORDER BY id
                """, logger: queryLogger
            ).collect()
            var byID: [UInt32: PostgresRow] = [:]
            for row in rows {
                let (id, _, _, _, _, _, _) = try row.decode(ClaimColumns.self)
                byID[UInt32(truncatingIfNeeded: id)] = row
            }
            let ids = try MemoryKeyServerStorage.claimedIDs(devices, available: Set(byID.keys))
            var bundles: [PreKeyBundleRecord] = []
            for id in ids {
                guard let row = byID[id] else { continue }
                let (_, _, _, spk, signature, pqKey, pqSignature) = try row.decode(ClaimColumns.self)
                guard let spk, let signature else { continue }
                let signedPreKey = SignedPreKeyRecord(
                    key: try X25519.PublicKey(rawRepresentation: Self.bytes(spk)), signature: Self.bytes(signature))
                let address = DeviceAddress(user: user, device: id)
                let lastResort = try Self.storedPQPreKey(key: pqKey.map(Self.bytes), signature: pqSignature.map(Self.bytes))
                // Left out before the budget is asked: a device no claim can get a PQ prekey from.
                if requirePQPreKey, lastResort == nil, try await !holdsPQOneTimePreKey(address, connection: connection) {
                    continue
                }
                let mayTake = mayTakeOneTimePreKey(id)
                var pqPreKey = lastResort.map { ClaimedPQPreKey(record: $0, lastResort: true) }
                if mayTake, let oneTime = try await takePQOneTimePreKey(of: address, connection: connection) {
                    pqPreKey = ClaimedPQPreKey(record: oneTime, lastResort: false)
                }
                // Only one-time PQ prekeys, none of them free to take: nothing was taken.
                if requirePQPreKey, pqPreKey == nil { continue }
                var claimed: [PostgresRow] = []
                if mayTake {
                    // Locks the oldest unclaimed key (skipping keys another claim holds) and deletes
                    // it in this transaction: handed out at most once, across all server processes.
                    claimed = try await connection.query(
                        """
                        DELETE FROM one_time_prekeys WHERE seq = (
                            SELECT seq FROM one_time_prekeys WHERE user_id = \(user.rawValue) AND device = \(Int64(id))
                            ORDER BY seq LIMIT 1 FOR UPDATE SKIP LOCKED)
                        RETURNING key
                        """, logger: queryLogger
                    ).collect()
                }
                let oneTime = try claimed.first.map {
                    try X25519.PublicKey(rawRepresentation: Self.bytes($0.decode(ByteBuffer.self)))
                }
                bundles.append(
                    PreKeyBundleRecord(
                        device: try Self.deviceRecord(row), signedPreKey: signedPreKey, oneTimePreKey: oneTime,
                        pqPreKey: pqPreKey))
            }
            return bundles
        }
    }
}

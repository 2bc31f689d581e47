import PostgresNIO

/// PQ prekeys on PostgreSQL (Specs/server-api.md §5.3): the last-resort one in `devices`, one-time
/// ones in `pq_one_time_prekeys` (schema version 4). As for one-time prekeys, a claim deletes a
/// one-time PQ prekey with `DELETE … WHERE seq = (SELECT … FOR UPDATE SKIP LOCKED) RETURNING`, so
/// concurrent claims from any server process lock and delete different rows; uploads lock the
/// device row so that the held-keys limit holds.
extension PostgresKeyServerStorage {
    public func setPQLastResortPreKey(_ preKey: PQPreKeyRecord, for address: DeviceAddress, at timestamp: Int64)
        async throws
    {
        try await transaction { connection in
            let updated = try await connection.query(
                """
                UPDATE devices SET pq_last_resort_key = \(Self.buffer(preKey.key)),
                    pq_last_resort_signature = \(Self.buffer(preKey.signature)), pq_last_resort_at = \(timestamp)
                WHERE user_id = \(address.user.rawValue) AND id = \(Int64(address.device)) RETURNING 1
                """, logger: queryLogger
            ).collect()
            guard updated.count == 1 else { throw DirectoryError.unknownDevice }
        }
    }

    public func addPQOneTimePreKeys(_ preKeys: [PQPreKeyRecord], for address: DeviceAddress, limit: Int) async throws
        -> Int
    {
        try await transaction { connection in
            // The device row lock serialises uploads of one device, so the limit check below holds.
            guard try await lockDevice(address, connection: connection) else { throw DirectoryError.unknownDevice }
            if !preKeys.isEmpty {
                let keys = preKeys.map { Self.buffer($0.key) }
                let signatures = preKeys.map { Self.buffer($0.signature) }
                try await connection.query(
                    """
                    INSERT INTO pq_one_time_prekeys (user_id, device, key, signature)
                    SELECT \(address.user.rawValue), \(Int64(address.device)), k, s
                    FROM unnest(\(keys)::bytea[], \(signatures)::bytea[]) WITH ORDINALITY AS t(k, s, n) ORDER BY n
                    ON CONFLICT DO NOTHING
                    """, logger: queryLogger)
            }
            let held = try await count(
                """
                SELECT COUNT(*) FROM pq_one_time_prekeys
                WHERE user_id = \(address.user.rawValue) AND device = \(Int64(address.device))
                """, connection: connection)
            // Throwing rolls the inserts back: nothing is stored when the limit would be passed.
            guard held <= limit else { throw DirectoryError.preKeyLimit(limit: limit) }
            return held
        }
    }

    public func preKeyStatus(for address: DeviceAddress) async throws -> PreKeyStatus {
        let user = address.user.rawValue
        let device = Int64(address.device)
        let rows = try await client.query(
            """
            SELECT (SELECT COUNT(*) FROM one_time_prekeys WHERE user_id = \(user) AND device = \(device)),
                   (SELECT COUNT(*) FROM pq_one_time_prekeys WHERE user_id = \(user) AND device = \(device)),
                   signed_prekey_at, pq_last_resort_at
            FROM devices WHERE user_id = \(user) AND id = \(device)
            """, logger: queryLogger
        ).collect()
        guard let row = rows.first else {
            return PreKeyStatus(oneTime: 0, pqOneTime: 0, signedPreKeyUploadedAt: nil, pqLastResortUploadedAt: nil)
        }
        let (oneTime, pqOneTime, signedAt, lastResortAt) = try row.decode((Int64, Int64, Int64?, Int64?).self)
        return PreKeyStatus(
            oneTime: Int(oneTime), pqOneTime: Int(pqOneTime), signedPreKeyUploadedAt: signedAt,
            pqLastResortUploadedAt: lastResortAt)
    }

    /// Whether the device holds a one-time PQ prekey (in the claim's transaction).
    func holdsPQOneTimePreKey(_ address: DeviceAddress, connection: PostgresConnection) async throws -> Bool {
        try await !connection.query(
            """
            SELECT 1 FROM pq_one_time_prekeys
            WHERE user_id = \(address.user.rawValue) AND device = \(Int64(address.device)) LIMIT 1
            """, logger: queryLogger
        ).collect().isEmpty
    }

    /// Locks the device's oldest unclaimed one-time PQ prekey (skipping keys another claim holds)
    /// and deletes it in the claim's transaction: handed out at most once, across all server
    /// processes. Nil when none is free.
    func takePQOneTimePreKey(of address: DeviceAddress, connection: PostgresConnection) async throws -> PQPreKeyRecord? {
        let rows = try await connection.query(
            """
            DELETE FROM pq_one_time_prekeys WHERE seq = (
                SELECT seq FROM pq_one_time_prekeys
                WHERE user_id = \(address.user.rawValue) AND device = \(Int64(address.device))
                ORDER BY seq LIMIT 1 FOR UPDATE SKIP LOCKED)
            RETURNING key, signature
            """, logger: queryLogger
        ).collect()
        guard let row = rows.first else { return nil }
        let (key, signature) = try row.decode((ByteBuffer, ByteBuffer).self)
        return try Self.storedPQPreKey(key: Self.bytes(key), signature: Self.bytes(signature))
    }

    /// A stored PQ prekey from its two columns: nil when both are NULL (none uploaded).
    /// - Throws: ``PostgresStorageError/corruptRow(column:)`` when only one is NULL or a length is wrong.
    static func storedPQPreKey(key: [UInt8]?, signature: [UInt8]?) throws -> PQPreKeyRecord? {
        if key == nil, signature == nil { return nil }
        guard let key, let signature, let record = try? PQPreKeyRecord(stored: key, signature: signature) else {
            throw PostgresStorageError.corruptRow(column: "pq_key")
        }
        return record
    }
}

import GRDB

/// The mailbox on SQLite: sends, fetches and acknowledgements.
///
/// A send reads two counters kept by triggers in the transaction of every insert and delete
/// (``SQLiteSchema``): the recipient device's depth (`devices.pending`) and the sender device's
/// share of it (`mailbox_senders.pending`), so neither limit counts rows. Acknowledgements, the
/// expiry sweep and a device's removal lower both through the same triggers.
extension SQLiteKeyServerStorage {
    public func enqueue(
        _ messages: [OutgoingEnvelope], from sender: DeviceAddress, at timestamp: Int64, mailboxLimit: Int, senderQuota: Int
    ) async throws -> [Int64] {
        try await writes.write { db in
            var incoming: [DeviceAddress: Int] = [:]
            for message in messages {
                incoming[message.recipient, default: 0] += 1
            }
            for (recipient, count) in incoming {
                // No row: no such device. Otherwise its mailbox depth.
                let select = try SQLiteRawStatement(db, "SELECT pending FROM devices WHERE user = ? AND id = ?")
                Self.bind(recipient, to: select)
                guard let depth = try select.rows({ $0.int64(0) }).first else { throw DirectoryError.unknownDevice }
                guard depth + Int64(count) <= Int64(mailboxLimit) else { throw DirectoryError.mailboxFull(limit: mailboxLimit) }
                let share = try SQLiteRawStatement(
                    db,
                    """
                    SELECT pending FROM mailbox_senders
                    WHERE user = ? AND device = ? AND sender_user = ? AND sender_device = ?
                    """)
                Self.bind(recipient, to: share)
                share.bind(3, sender.user.rawValue)
                share.bind(4, Int64(sender.device))
                let held = try share.rows({ $0.int64(0) }).first ?? 0
                guard held + Int64(count) <= Int64(senderQuota) else { throw DirectoryError.senderQuota(limit: senderQuota) }
            }
            var ids: [Int64] = []
            ids.reserveCapacity(messages.count)
            for message in messages {
                let insert = try SQLiteRawStatement(
                    db,
                    """
                    INSERT INTO messages (user, device, sender_user, sender_device, timestamp, body)
                    VALUES (?, ?, ?, ?, ?, ?)
                    """)
                Self.bind(message.recipient, to: insert)
                insert.bind(3, sender.user.rawValue)
                insert.bind(4, Int64(sender.device))
                insert.bind(5, timestamp)
                insert.bind(6, message.body)
                try insert.run()
                ids.append(db.lastInsertedRowID)
            }
            return ids
        }
    }

    public func pendingEnvelopes(for address: DeviceAddress, limit: Int, notBefore: Int64, after: Int64) async throws
        -> [Envelope]
    {
        try readers.read { connection in
            let select = try connection.statement(
                """
                SELECT id, sender_user, sender_device, timestamp, body FROM messages
                WHERE user = ? AND device = ? AND id > ? AND timestamp >= ? ORDER BY id LIMIT ?
                """)
            Self.bind(address, to: select)
            select.bind(3, after)
            select.bind(4, notBefore)
            select.bind(5, Int64(max(0, limit)))
            return try select.rows { row in
                Envelope(
                    id: row.int64(0), recipient: address,
                    sender: DeviceAddress(
                        user: try UserID(validating: try Self.required(row.text(1), "sender_user")),
                        device: UInt32(truncatingIfNeeded: row.int64(2))),
                    timestamp: row.int64(3), body: try Self.required(row.bytes(4), "body"))
            }
        }
    }

    public func newestEnvelopeID(for address: DeviceAddress) async throws -> Int64? {
        try readers.read { connection in
            let select = try connection.statement("SELECT MAX(id) FROM messages WHERE user = ? AND device = ?")
            Self.bind(address, to: select)
            return try select.rows { $0.isNull(0) ? nil : $0.int64(0) }.first ?? nil
        }
    }

    public func acknowledge(_ ids: [Int64], for address: DeviceAddress) async throws -> Int {
        guard !ids.isEmpty else { return 0 }
        return try await writes.write { db in
            var deleted = 0
            for id in Set(ids) {
                try db.cachedStatement(sql: "DELETE FROM messages WHERE id = ? AND user = ? AND device = ?").execute(
                    arguments: [id, address.user.rawValue, Int64(address.device)])
                deleted += db.changesCount
            }
            return deleted
        }
    }
}

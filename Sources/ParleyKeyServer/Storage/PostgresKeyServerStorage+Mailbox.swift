import PostgresNIO

/// The mailbox on PostgreSQL: sends, fetches and acknowledgements.
///
/// A send locks each recipient device's row (in a fixed order, so two sends cannot deadlock)
/// before it counts, so that both limits hold across server processes: the mailbox's depth and
/// the sending device's share of it (`messages_sender` index). Acknowledgements and the expiry
/// sweep release both by deleting rows.
extension PostgresKeyServerStorage {
    public func enqueue(
        _ messages: [OutgoingEnvelope], from sender: DeviceAddress, at timestamp: Int64, mailboxLimit: Int, senderQuota: Int
    ) async throws -> [Int64] {
        try await transaction { connection in
            var incoming: [DeviceAddress: Int] = [:]
            for message in messages {
                incoming[message.recipient, default: 0] += 1
            }
            // A fixed lock order (user, device) keeps two concurrent sends from deadlocking.
            let recipients = incoming.keys.sorted { ($0.user, $0.device) < ($1.user, $1.device) }
            for recipient in recipients {
                guard try await lockDevice(recipient, connection: connection) else { throw DirectoryError.unknownDevice }
                let count = incoming[recipient] ?? 0
                let depth = try await self.count(
                    """
                    SELECT COUNT(*) FROM messages
                    WHERE user_id = \(recipient.user.rawValue) AND device = \(Int64(recipient.device))
                    """, connection: connection)
                guard depth + count <= mailboxLimit else { throw DirectoryError.mailboxFull(limit: mailboxLimit) }
                let held = try await self.count(
                    """
                    SELECT COUNT(*) FROM messages
                    WHERE user_id = \(recipient.user.rawValue) AND device = \(Int64(recipient.device))
                        AND sender_user = \(sender.user.rawValue) AND sender_device = \(Int64(sender.device))
                    """, connection: connection)
                guard held + count <= senderQuota else { throw DirectoryError.senderQuota(limit: senderQuota) }
            }
            var ids: [Int64] = []
            ids.reserveCapacity(messages.count)
            for message in messages {
                let rows = try await connection.query(
                    """
                    INSERT INTO messages (user_id, device, sender_user, sender_device, timestamp, body)
                    VALUES (\(message.recipient.user.rawValue), \(Int64(message.recipient.device)),
                            \(sender.user.rawValue), \(Int64(sender.device)), \(timestamp), \(Self.buffer(message.body)))
                    RETURNING id
                    """, logger: queryLogger
                ).collect()
                guard let row = rows.first else { throw PostgresStorageError.corruptRow(column: "id") }
                ids.append(try row.decode(Int64.self))
            }
            // Delivered with the commit, and only if it commits.
            for recipient in recipients {
                _ = try await connection.query(
                    "SELECT pg_notify(\(configuration.notificationChannel), \(recipient.description))", logger: queryLogger
                ).collect()
            }
            return ids
        }
    }

    public func pendingEnvelopes(for address: DeviceAddress, limit: Int, notBefore: Int64, after: Int64) async throws
        -> [Envelope]
    {
        let rows = try await client.query(
            """
            SELECT id, sender_user, sender_device, timestamp, body FROM messages
            WHERE user_id = \(address.user.rawValue) AND device = \(Int64(address.device)) AND id > \(after)
                AND timestamp >= \(notBefore)
            ORDER BY id LIMIT \(Int64(max(0, limit)))
            """, logger: queryLogger
        ).collect()
        return try rows.map { row in
            let (id, senderUser, senderDevice, timestamp, body) = try row.decode(
                (Int64, String, Int64, Int64, ByteBuffer).self)
            return Envelope(
                id: id, recipient: address,
                sender: DeviceAddress(user: try UserID(validating: senderUser), device: UInt32(truncatingIfNeeded: senderDevice)),
                timestamp: timestamp, body: Self.bytes(body))
        }
    }

    public func newestEnvelopeID(for address: DeviceAddress) async throws -> Int64? {
        let rows = try await client.query(
            "SELECT MAX(id) FROM messages WHERE user_id = \(address.user.rawValue) AND device = \(Int64(address.device))",
            logger: queryLogger
        ).collect()
        return try rows.first?.decode(Int64?.self) ?? nil
    }

    public func acknowledge(_ ids: [Int64], for address: DeviceAddress) async throws -> Int {
        guard !ids.isEmpty else { return 0 }
        let unique = Array(Set(ids))
        return try await client.query(
            """
            DELETE FROM messages
            WHERE user_id = \(address.user.rawValue) AND device = \(Int64(address.device)) AND id = ANY(\(unique)::bigint[])
            RETURNING 1
            """, logger: queryLogger
        ).collect().count
    }
}

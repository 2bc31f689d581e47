import Foundation
import GRDB
import ParleyCrypto
import ParleyProtocol

/// What became of a received envelope.
public enum ReceiveOutcome: Sendable, Equatable {
    /// Decrypted and stored, together with the new session state.
    case decrypted(StoredMessage)
    /// This envelope id was processed before: acknowledge it again, nothing else happens.
    case alreadyProcessed
    /// A new envelope id carrying a message already received (a sender's retry after the
    /// server had accepted the first copy, or a replay): acknowledge it; nothing is stored but
    /// the envelope id.
    case duplicate
    /// It could not be decrypted; the failure is stored in the history (state unchanged) and
    /// the envelope counts as processed, so that one bad envelope does not block the mailbox.
    case failed(StoredMessage)
}

/// Sending and receiving, each committed atomically with the ratchet state it moves.
extension EncryptedStore {
    /// Decrypts an envelope and commits, in one transaction, the new session state (skipped
    /// keys and archived sessions included), the deletion of a used one-time prekey, the
    /// message row and the envelope id as processed. Acknowledge the envelope to the server
    /// only after this returns.
    ///
    /// - Parameters:
    ///   - envelopeID: the server's id of the envelope (stored only as a keyed hash).
    ///   - conversation: the history this message belongs to (usually the sender's user id).
    ///   - trust: which identity key the sender's sessions may have; by default the one pinned by
    ///     its session record (trust on first use). A message from another identity is
    ///     `.failed` with `untrusted_identity` and changes no session.
    ///   - versions: which suites the message may use; a Parley-v1 message where v1 is disabled
    ///     is `.failed` with `unsupported_version` and changes no session.
    public func receive(
        envelopeID: String,
        from sender: PeerAddress,
        body: [UInt8],
        conversation: String,
        timestamp: Int64,
        trust: IdentityTrust = .pinnedByRecord,
        versions: VersionPolicy = .all
    ) async throws -> ReceiveOutcome {
        let envelope = IncomingEnvelope(
            id: envelopeID, sender: sender, body: body, conversation: conversation, timestamp: timestamp, trust: trust,
            versions: versions)
        return try await pool.write { db in try self.receive(envelope, db) }
    }

    /// ``receive(envelopeID:from:body:conversation:timestamp:)`` for several envelopes in one
    /// transaction (faster when catching up on a mailbox); all of them commit together.
    public func receive(_ envelopes: [IncomingEnvelope]) async throws -> [ReceiveOutcome] {
        try await pool.write { db in try envelopes.map { try self.receive($0, db) } }
    }

    /// Encrypts `plaintext` for `recipient` and commits, in one transaction, the advanced
    /// sending state, the outbox row and (with `historyBody`) the history row, before anything
    /// is sent: a message key is never used twice, even across a crash.
    ///
    /// - Parameters:
    ///   - historyBody: what to keep in the history for this message, or nil for messages that
    ///     do not belong in it (copies to one's own devices, receipts).
    public func send(
        _ plaintext: [UInt8],
        to recipient: PeerAddress,
        conversation: String,
        historyBody: [UInt8]?,
        timestamp: Int64
    ) async throws -> OutboxItem {
        let sent = try await send(
            [OutgoingPlaintext(plaintext, to: recipient)], conversation: conversation, historyBody: historyBody,
            timestamp: timestamp)
        guard let item = sent.first else { throw StoreError.integrity(table: "outbox") }
        return item
    }

    /// ``send(_:to:conversation:historyBody:timestamp:)`` for several recipients (a message's
    /// fan-out to devices) in one transaction: after a crash either every envelope is in the
    /// outbox or none is. The history row (with `historyBody`) is tied to the first envelope.
    /// - Returns: the outbox items, in the order of `messages`.
    public func send(
        _ messages: [OutgoingPlaintext], conversation: String, historyBody: [UInt8]?, timestamp: Int64
    ) async throws -> [OutboxItem] {
        let random = self.random
        let identity = self.identity
        return try await pool.write { db -> [OutboxItem] in
            var items: [OutboxItem] = []
            var historyBody = historyBody
            for message in messages {
                let recipient = message.recipient
                var record = try self.sessionRecord(for: recipient, db) ?? SessionRecord()
                let wire = try SessionCipher.encrypt(message.plaintext, record: &record, identity: identity, random: random)
                try self.apply(SessionChange(address: recipient, record: record, consumedOneTimePreKey: nil), db)
                var messageRowID: Int64?
                if let body = historyBody {
                    var stored = StoredMessage(
                        conversation: conversation, direction: .outgoing, peerUser: recipient.user,
                        peerDevice: recipient.device, body: body, timestamp: timestamp, state: .pending)
                    try self.insertMessage(&stored, db)
                    messageRowID = stored.rowID
                    historyBody = nil
                }
                let item = OutboxItem(
                    rowID: try Self.nextID("outbox", db), recipientUser: recipient.user, recipientDevice: recipient.device,
                    wire: wire, messageRowID: messageRowID)
                try db.execute(
                    sql: "INSERT INTO outbox (id, sealed) VALUES (?, ?)",
                    arguments: [item.rowID, try self.sealRecord(item, for: .outbox, rowKey: Self.rowKey(item.rowID))])
                items.append(item)
            }
            return items
        }
    }

    /// Starts a session with `recipient` from its prekey bundle and stores it.
    public func startSession(with recipient: PeerAddress, bundle: PreKeyBundle) async throws {
        let random = self.random
        let identity = self.identity
        try await pool.write { db in
            let session = try SessionCipher.initiate(identity: identity, bundle: bundle, random: random)
            var record = try self.sessionRecord(for: recipient, db) ?? SessionRecord()
            record.makeCurrent(session)
            try self.apply(SessionChange(address: recipient, record: record, consumedOneTimePreKey: nil), db)
        }
    }

    /// Outbox rows not yet accepted by the server, oldest first.
    public func outbox() async throws -> [OutboxItem] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT id, sealed FROM outbox ORDER BY id").map { row in
                guard let id = row["id"] as Int64?, let sealed = row["sealed"] as Data? else {
                    throw StoreError.integrity(table: "outbox")
                }
                var item = try self.openRecord(OutboxItem.self, sealed, for: .outbox, rowKey: Self.rowKey(id))
                guard item.rowID == id else { throw StoreError.integrity(table: "outbox") }
                item.rowID = id
                return item
            }
        }
    }

    /// The server accepted this outbox item: remove it and mark its history row as sent. Does
    /// nothing when the item is no longer in the outbox (already marked, or its row id now
    /// belongs to another message).
    public func markSent(_ item: OutboxItem) async throws {
        try await pool.write { db in
            guard try self.removeOutboxRow(item, db) else { return }
            if let messageRowID = item.messageRowID { try self.updateMessageState(messageRowID, to: .sent, db) }
        }
    }

    /// Sets the delivery state of a history row (for instance `.delivered` on a receipt). Does
    /// nothing when the row does not exist.
    public func setDeliveryState(_ state: DeliveryState, ofMessage rowID: Int64) async throws {
        try await pool.write { db in try self.updateMessageState(rowID, to: state, db) }
    }

    /// Removes an outbox item the server will never accept (its recipient device is gone),
    /// leaving its history row as it is. Does nothing when the item is no longer there.
    public func discardFromOutbox(_ item: OutboxItem) async throws {
        try await pool.write { db in _ = try self.removeOutboxRow(item, db) }
    }

    /// The conversation's messages in storage order (at most `limit`, the most recent).
    public func history(conversation: String, limit: Int = 1000) async throws -> [StoredMessage] {
        let conversationHash = Data(keyring.lookupHash(Array(conversation.utf8), for: .conversations))
        return try await pool.read { db in
            try Row.fetchAll(
                db,
                sql: "SELECT id, conversation_hash, sealed FROM messages WHERE conversation_hash = ? ORDER BY id DESC LIMIT ?",
                arguments: [conversationHash, max(0, limit)]
            ).reversed().map { row in try self.openMessage(row) }
        }
    }

    /// Conversations with at least one message, most recent first.
    public func conversations() async throws -> [Conversation] {
        try await pool.read { db in
            try self.openAllRecords(Conversation.self, keyColumn: "conversation_hash", for: .conversations, db)
                .sorted { $0.lastActivity > $1.lastActivity }
        }
    }

    /// Envelopes remembered as processed: the latest 10,000. A redelivery concerns the envelopes
    /// received but not acknowledged when a client stopped (at most a few fetches' worth); an
    /// older one would still fail as `duplicate` in the ratchet and leave no trace.
    public static let processedEnvelopeRetention = 10_000

    // MARK: Inside a transaction

    /// Deletes `item`'s outbox row if it is still there and still holds `item`.
    /// - Returns: whether a row was deleted.
    func removeOutboxRow(_ item: OutboxItem, _ db: Database) throws -> Bool {
        guard let sealed = try Data.fetchOne(db, sql: "SELECT sealed FROM outbox WHERE id = ?", arguments: [item.rowID]),
            try openRecord(OutboxItem.self, sealed, for: .outbox, rowKey: Self.rowKey(item.rowID)) == item
        else { return false }
        try db.execute(sql: "DELETE FROM outbox WHERE id = ?", arguments: [item.rowID])
        return true
    }

    func receive(_ envelope: IncomingEnvelope, _ db: Database) throws -> ReceiveOutcome {
        // The id with a digest of the bytes: a redelivery of the same envelope matches, while an
        // id a server hands out again (say, after its database was reset) for another envelope
        // does not, so that envelope is not skipped as processed.
        let envelopeHash = Data(
            keyring.lookupHash(Array(envelope.id.utf8) + [0] + SHA256.hash(envelope.body), for: .processedEnvelopes))
        if try Bool.fetchOne(db, sql: "SELECT 1 FROM processed_envelopes WHERE envelope_hash = ?", arguments: [envelopeHash])
            ?? false
        {
            return .alreadyProcessed
        }
        try db.cachedStatement(sql: "INSERT INTO processed_envelopes (envelope_hash) VALUES (?)").execute(
            arguments: [envelopeHash])
        // Only recent envelopes can come again (received, not yet acknowledged): the oldest
        // entries beyond the retention go (rowids grow with every insert).
        try db.cachedStatement(sql: "DELETE FROM processed_envelopes WHERE rowid <= ?").execute(
            arguments: [db.lastInsertedRowID - Int64(Self.processedEnvelopeRetention)])
        var message = StoredMessage(
            conversation: envelope.conversation, direction: .incoming, peerUser: envelope.sender.user,
            peerDevice: envelope.sender.device, body: [], timestamp: envelope.timestamp, state: .received)
        do {
            let result = try decrypt(
                envelope.body, from: envelope.sender, trust: envelope.trust, versions: envelope.versions, random: random, db)
            try apply(SessionChange(address: envelope.sender, result: result), db)
            message.body = result.plaintext
            switch envelope.placement?(result.plaintext) ?? .history(conversation: envelope.conversation, direction: .incoming) {
            case .history(let conversation, let direction):
                message.conversation = conversation
                message.direction = direction
                if direction == .outgoing { message.state = .sent }
                try insertMessage(&message, db)
            case .none:
                break
            }
            if let attachment = envelope.attachment?(result.plaintext) { try insertAttachmentIfNew(attachment, db) }
            return .decrypted(message)
        } catch ProtocolError.duplicate {
            return .duplicate
        } catch let error as ProtocolError {
            message.state = .failed
            message.failureReason = error.category
            try insertMessage(&message, db)
            return .failed(message)
        }
    }

    func decrypt(
        _ body: [UInt8], from sender: PeerAddress, trust: IdentityTrust, versions: VersionPolicy, random: any RandomSource,
        _ db: Database
    ) throws -> DecryptResult {
        try SessionCipher.decrypt(
            body, record: try sessionRecord(for: sender, db) ?? SessionRecord(), identity: identity, random: random,
            signedPreKey: { try self.signedPreKey(for: $0, db)?.keyPair },
            oneTimePreKey: { try self.oneTimePreKey(for: $0, db)?.keyPair },
            pqPreKey: { try self.pqPreKey(for: $0, db) },
            isLastResortUseRecorded: { try self.isLastResortUseRecorded($0, baseKey: $1, db) }, trust: trust,
            versions: versions)
    }

    func insertMessage(_ message: inout StoredMessage, _ db: Database) throws {
        message.rowID = try Self.nextID("messages", db)
        let conversationHash = keyring.lookupHash(Array(message.conversation.utf8), for: .conversations)
        try db.execute(
            sql: "INSERT INTO messages (id, conversation_hash, sealed) VALUES (?, ?, ?)",
            arguments: [
                message.rowID, Data(conversationHash),
                try sealRecord(message, for: .messages, rowKey: Self.rowKey(message.rowID)),
            ])
        let summary = Conversation(id: message.conversation, title: nil, lastActivity: message.timestamp)
        try db.execute(
            sql: "INSERT OR REPLACE INTO conversations (conversation_hash, sealed) VALUES (?, ?)",
            arguments: [Data(conversationHash), try sealRecord(summary, for: .conversations, rowKey: conversationHash)])
    }

    func updateMessageState(_ rowID: Int64, to state: DeliveryState, _ db: Database) throws {
        guard
            let row = try Row.fetchOne(
                db, sql: "SELECT id, conversation_hash, sealed FROM messages WHERE id = ?", arguments: [rowID])
        else {
            return
        }
        var message = try openMessage(row)
        message.state = state
        try db.execute(
            sql: "UPDATE messages SET sealed = ? WHERE id = ?",
            arguments: [try sealRecord(message, for: .messages, rowKey: Self.rowKey(rowID)), rowID])
    }

    /// Opens a history row (`id`, `conversation_hash`, `sealed`). The sealed message names its
    /// conversation: a row whose `conversation_hash` is not that conversation's lookup hash was
    /// moved to another conversation by someone who can write the file, and is an integrity error
    /// (Specs/store.md §1.2).
    func openMessage(_ row: Row) throws -> StoredMessage {
        guard let id = row["id"] as Int64?, let sealed = row["sealed"] as Data?,
            let conversationHash = row["conversation_hash"] as Data?
        else {
            throw StoreError.integrity(table: "messages")
        }
        var message = try openRecord(StoredMessage.self, sealed, for: .messages, rowKey: Self.rowKey(id))
        guard message.rowID == id,
            ConstantTime.equals(
                keyring.lookupHash(Array(message.conversation.utf8), for: .conversations), Array(conversationHash))
        else { throw StoreError.integrity(table: "messages") }
        message.rowID = id
        return message
    }
}

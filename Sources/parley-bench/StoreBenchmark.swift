import Foundation
import GRDB
import ParleyCrypto
import ParleyProtocol
import ParleyStore

/// Receive-and-commit through ``EncryptedStore`` against SQLite alone doing the same
/// statements with rows of the same sizes (no decryption, no sealing): per message one
/// transaction, and 50 messages per transaction. Also times opening a store with the default
/// Argon2id limits.
enum StoreBenchmark {
    static let batchSize = 50
    static let messagesPerSample = 100

    static func run(samples: Int, only: String?) async throws -> (results: [(String, Double, Double)], notes: [String]) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("parley-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        var results: [(String, Double, Double)] = []
        var notes: [String] = []

        let fixture = try await Fixture(directory: directory, messages: (samples + 1) * messagesPerSample * 2)
        let raw = try RawSQLite(path: directory.appendingPathComponent("raw.sqlite").path, rowSizes: fixture.rowSizes)
        let clock = ContinuousClock()
        for batched in [false, true] {
            let name = batched ? "store-receive-batched" : "store-receive"
            guard only == nil || only == name else { continue }
            var parley: [Double] = []
            var floor: [Double] = []
            for sample in 0...samples {  // sample 0 warms up
                let envelopes = Array(fixture.take(messagesPerSample))
                let parleyTime = try await clock.measure {
                    if batched {
                        for start in stride(from: 0, to: envelopes.count, by: batchSize) {
                            _ = try await fixture.bob.receive(Array(envelopes[start..<min(start + batchSize, envelopes.count)]))
                        }
                    } else {
                        for envelope in envelopes {
                            _ = try await fixture.bob.receive(
                                envelopeID: envelope.id, from: envelope.sender, body: envelope.body,
                                conversation: envelope.conversation, timestamp: envelope.timestamp)
                        }
                    }
                }
                let floorTime = try await clock.measure {
                    try await raw.receive(count: messagesPerSample, perTransaction: batched ? batchSize : 1)
                }
                if sample > 0 {
                    parley.append(nanoseconds(parleyTime) / Double(messagesPerSample))
                    floor.append(nanoseconds(floorTime) / Double(messagesPerSample))
                }
            }
            results.append((name, median(parley), median(floor)))
            notes.append(
                "\(name): decrypt + commit per message, \(batched ? "\(batchSize) messages per transaction" : "one transaction each") "
                    + "(\(samples) samples x \(messagesPerSample) messages); floor: the same SQLite statements and row sizes")
        }
        if only == nil {
            let limits = Argon2id.Limits.moderate
            let path = directory.appendingPathComponent("open.sqlite").path
            let store = try await EncryptedStore.create(
                at: path, passphrase: Fixture.passphrase, identity: IdentityKeyPair(random: SystemRandomSource()), limits: limits)
            try store.close()
            let openTime = try await clock.measure {
                let reopened = try await EncryptedStore.open(at: path, passphrase: Fixture.passphrase)
                try reopened.close()
            }
            notes.append(
                "store-open: \(Int(nanoseconds(openTime) / 1e6)) ms with the default Argon2id limits "
                    + "(\(limits.operations) passes, \(limits.memoryBytes >> 20) MiB)")
        }
        return (results, notes)
    }

    /// Alice's store with a queue of messages to Bob, and Bob's store receiving them.
    final class Fixture: @unchecked Sendable {
        static let passphrase = SecureBytes(copying: Array("benchmark passphrase".utf8))
        let bob: EncryptedStore
        private var envelopes: [IncomingEnvelope]
        private var position = 0
        let rowSizes: RawSQLite.RowSizes

        init(directory: URL, messages: Int) async throws {
            let limits = Argon2id.Limits.minimumForTesting
            let aliceAddress = PeerAddress(user: "alice", device: 1)
            let bobAddress = PeerAddress(user: "bob", device: 1)
            let alice = try await EncryptedStore.create(
                at: directory.appendingPathComponent("alice.sqlite").path, passphrase: Self.passphrase,
                identity: IdentityKeyPair(random: SystemRandomSource()), limits: limits)
            bob = try await EncryptedStore.create(
                at: directory.appendingPathComponent("bob.sqlite").path, passphrase: Self.passphrase,
                identity: IdentityKeyPair(random: SystemRandomSource()), limits: limits)
            let bobIdentity = try await bob.identityKeyPair()
            let signed = SignedPreKey(identity: bobIdentity, random: SystemRandomSource())
            try await bob.saveSignedPreKey(signed)
            try await alice.startSession(
                with: bobAddress,
                bundle: PreKeyBundle(
                    identityKey: bobIdentity.publicKey, signedPreKey: signed.keyPair.publicKey,
                    signedPreKeySignature: signed.signature, oneTimePreKey: nil))
            // One round trip, so that Alice sends plain Messages afterwards.
            let hello = try await alice.send([1], to: bobAddress, conversation: "bob", historyBody: nil, timestamp: 0)
            _ = try await bob.receive(
                envelopeID: "hello", from: aliceAddress, body: hello.wire, conversation: "alice", timestamp: 0)
            let reply = try await bob.send([2], to: aliceAddress, conversation: "alice", historyBody: nil, timestamp: 0)
            _ = try await alice.receive(
                envelopeID: "reply", from: bobAddress, body: reply.wire, conversation: "bob", timestamp: 0)
            var envelopes: [IncomingEnvelope] = []
            let text = [UInt8](repeating: 0x61, count: 100)
            for index in 0..<messages {
                let item = try await alice.send(
                    text, to: bobAddress, conversation: "bob", historyBody: nil, timestamp: Int64(index))
                envelopes.append(
                    IncomingEnvelope(
                        id: "envelope-\(index)", sender: aliceAddress, body: item.wire, conversation: "alice", timestamp: 0))
            }
            self.envelopes = envelopes
            let record = try await bob.sessionRecord(for: aliceAddress)
            rowSizes = RawSQLite.RowSizes(
                session: (record?.serialized.count ?? 400) + 40, message: 100 * 4 / 3 + 240, conversation: 120)
            try alice.close()
        }

        func take(_ count: Int) -> ArraySlice<IncomingEnvelope> {
            defer { position += count }
            return envelopes[position..<(position + count)]
        }
    }

    private static func nanoseconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) * 1e9 + Double(attoseconds) / 1e9
    }

    private static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        return sorted.isEmpty ? 0 : sorted[sorted.count / 2]
    }
}

/// The store's receive statements on plain SQLite: same tables, same row sizes, no crypto.
final class RawSQLite: Sendable {
    struct RowSizes: Sendable {
        let session: Int
        let message: Int
        let conversation: Int
    }

    private let pool: DatabasePool
    private let sizes: RowSizes
    private let counter = LockedCounter()

    init(path: String, rowSizes: RowSizes) throws {
        var configuration = Configuration()
        configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA secure_delete = ON") }
        pool = try DatabasePool(path: path, configuration: configuration)
        // The same durability as the store: every commit synced.
        try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
        sizes = rowSizes
        try pool.write { db in
            try db.execute(
                sql: """
                    CREATE TABLE sessions (peer_hash BLOB PRIMARY KEY, sealed BLOB NOT NULL);
                    CREATE TABLE conversations (conversation_hash BLOB PRIMARY KEY, sealed BLOB NOT NULL);
                    CREATE TABLE messages (id INTEGER PRIMARY KEY, conversation_hash BLOB NOT NULL, sealed BLOB NOT NULL);
                    CREATE INDEX messages_by_conversation ON messages (conversation_hash, id);
                    CREATE TABLE processed_envelopes (envelope_hash BLOB PRIMARY KEY);
                    """)
        }
    }

    /// `count` messages, `perTransaction` per transaction, each: the envelope check, insert and trim,
    /// the session read and write, the message id and insert, the conversation upsert.
    func receive(count: Int, perTransaction: Int) async throws {
        let sizes = self.sizes
        let counter = self.counter
        for start in stride(from: 0, to: count, by: perTransaction) {
            try await pool.write { db in
                for _ in start..<min(start + perTransaction, count) {
                    let envelope = Data(Self.bytes(32, seed: counter.next()))
                    _ = try Bool.fetchOne(
                        db, sql: "SELECT 1 FROM processed_envelopes WHERE envelope_hash = ?", arguments: [envelope])
                    try db.execute(sql: "INSERT INTO processed_envelopes (envelope_hash) VALUES (?)", arguments: [envelope])
                    try db.execute(
                        sql: "DELETE FROM processed_envelopes WHERE rowid <= ?", arguments: [db.lastInsertedRowID - 10_000])
                    let peer = Data(Self.bytes(32, seed: 1))
                    _ = try Data.fetchOne(db, sql: "SELECT sealed FROM sessions WHERE peer_hash = ?", arguments: [peer])
                    try db.execute(
                        sql: "INSERT OR REPLACE INTO sessions (peer_hash, sealed) VALUES (?, ?)",
                        arguments: [peer, Data(Self.bytes(sizes.session, seed: counter.next()))])
                    let id = (try Int64.fetchOne(db, sql: "SELECT MAX(id) FROM messages") ?? 0) + 1
                    let conversation = Data(Self.bytes(32, seed: 2))
                    try db.execute(
                        sql: "INSERT INTO messages (id, conversation_hash, sealed) VALUES (?, ?, ?)",
                        arguments: [id, conversation, Data(Self.bytes(sizes.message, seed: counter.next()))])
                    try db.execute(
                        sql: "INSERT OR REPLACE INTO conversations (conversation_hash, sealed) VALUES (?, ?)",
                        arguments: [conversation, Data(Self.bytes(sizes.conversation, seed: counter.next()))])
                }
            }
        }
    }

    /// Cheap distinct filler bytes (incompressible enough for SQLite, which does not compress).
    private static func bytes(_ count: Int, seed: UInt64) -> [UInt8] {
        var state = seed &* 0x9E37_79B9_7F4A_7C15 | 1
        return (0..<count).map { _ in
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            return UInt8(truncatingIfNeeded: state)
        }
    }
}

/// A thread-safe increasing counter.
final class LockedCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var value: UInt64 = 0

    func next() -> UInt64 {
        lock.lock()
        defer { lock.unlock() }
        value += 1
        return value
    }
}

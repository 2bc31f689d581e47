import Foundation
import ParleyCrypto
import Testing

@testable import ParleyKeyServer

/// The SQLite backend's own machinery: group commit (concurrent writes share transactions, yet
/// each is all or nothing and its caller sees only its own outcome) and the mailbox-depth counter.
@Suite("SQLite storage internals")
struct SQLiteStorageTests {
    @Test func failingWritesRollBackAloneAndTheRestCommitInOrder() async throws {
        try await Backend.sqlite.withStorage { storage in
            let bob = try await storage.registerUser("bob")
            let ghost = DeviceAddress(user: try UserID("ghost"), device: 1)
            // 100 sends at once: the odd ones name an unknown device along with bob, so each of
            // them must store nothing at all.
            let outcomes = try await withThrowingTaskGroup(of: (Int, [Int64]?).self) { group in
                for index in 0..<100 {
                    group.addTask {
                        var messages = [OutgoingEnvelope(recipient: bob, body: Array("m\(index)".utf8))]
                        if index % 2 == 1 { messages.append(OutgoingEnvelope(recipient: ghost, body: [1])) }
                        do {
                            return (index, try await storage.enqueue(messages, from: bob, at: 1, mailboxLimit: 1000))
                        } catch DirectoryError.unknownDevice {
                            return (index, nil)
                        }
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(outcomes.allSatisfy { ($0.0 % 2 == 0) == ($0.1 != nil) })
            let stored = try await storage.pendingEnvelopes(for: bob, limit: 1000, notBefore: 0, after: 0)
            #expect(stored.count == 50)
            #expect(Set(stored.map(\.id)) == Set(outcomes.compactMap { $0.1?.first }))
            #expect(stored.allSatisfy { Int(String(decoding: $0.body.dropFirst(), as: UTF8.self))! % 2 == 0 })

            // 20 uploads of 10 keys at once against a limit of 55: the ones past the limit insert
            // their keys and then throw, and only their own inserts are rolled back.
            let accepted = try await withThrowingTaskGroup(of: Bool.self) { group in
                for _ in 0..<20 {
                    group.addTask {
                        let keys = (0..<10).map { _ in X25519.PrivateKey(random: SystemRandomSource()).publicKey }
                        do {
                            _ = try await storage.addOneTimePreKeys(keys, for: bob, limit: 55)
                            return true
                        } catch DirectoryError.preKeyLimit {
                            return false
                        }
                    }
                }
                return try await group.reduce(into: 0) { $0 += $1 ? 1 : 0 }
            }
            #expect(accepted == 5)
            #expect(try await storage.oneTimePreKeyCount(for: bob) == 50)
        }
    }

    /// The mailbox depth the limit is checked against follows sends, acks and the expiry sweep.
    @Test func mailboxDepthFollowsSendsAcksAndExpiry() async throws {
        try await Backend.sqlite.withStorage { storage in
            let bob = try await storage.registerUser("bob")
            func send(_ count: Int, at time: Int64) async throws -> [Int64] {
                let messages = (0..<count).map { _ in OutgoingEnvelope(recipient: bob, body: [7]) }
                return try await storage.enqueue(messages, from: bob, at: time, mailboxLimit: 5)
            }
            let first = try await send(3, at: 10)
            _ = try await send(2, at: 20)
            await #expect(throws: DirectoryError.mailboxFull(limit: 5)) { _ = try await send(1, at: 20) }
            #expect(try await storage.acknowledge(Array(first.prefix(2)), for: bob) == 2)
            _ = try await send(2, at: 30)
            await #expect(throws: DirectoryError.mailboxFull(limit: 5)) { _ = try await send(1, at: 30) }
            // The sweep removes the three sent before 25: room for three again.
            try await storage.purgeExpired(messagesBefore: 25, now: 25)
            _ = try await send(3, at: 40)
            await #expect(throws: DirectoryError.mailboxFull(limit: 5)) { _ = try await send(1, at: 40) }
        }
    }

    /// After close() the database file alone holds every commit (a copy of it is a complete
    /// backup), the WAL is empty, and the closed storage refuses reads and writes with errors.
    @Test func closeLeavesEverythingInTheDatabaseFile() async throws {
        let directory = temporaryDirectory("parley-server-close")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("server.sqlite").path
        let storage = try SQLiteKeyServerStorage(path: path)
        let bob = try await storage.registerUser("bob")
        let keys = (0..<10).map { _ in X25519.PrivateKey(random: SystemRandomSource()).publicKey }
        _ = try await storage.addOneTimePreKeys(keys, for: bob, limit: 100)
        // Committed right before close: still in the WAL unless close copies it over.
        let sent = try await storage.enqueue(
            (0..<20).map { OutgoingEnvelope(recipient: bob, body: [UInt8($0)]) }, from: bob, at: 1, mailboxLimit: 100)
        // Reads through both kinds of reader connection, which are open when close() starts.
        #expect(try await storage.account(bob.user) != nil)
        #expect(try await storage.oneTimePreKeyCount(for: bob) == 10)

        try await storage.close()

        let wal = (try? FileManager.default.attributesOfItem(atPath: path + "-wal")[.size] as? Int) ?? 0
        #expect(wal == 0)
        await #expect(throws: SQLiteStorageError.closed) { _ = try await storage.oneTimePreKeyCount(for: bob) }
        await #expect(throws: (any Error).self) { _ = try await storage.account(bob.user) }

        let copy = directory.appendingPathComponent("copy.sqlite").path
        try FileManager.default.copyItem(atPath: path, toPath: copy)
        let restored = try SQLiteKeyServerStorage(path: copy)
        #expect(try await restored.oneTimePreKeyCount(for: bob) == 10)
        let pending = try await restored.pendingEnvelopes(for: bob, limit: 100, notBefore: 0, after: 0)
        #expect(pending.map(\.id) == sent)
        #expect(pending.map(\.body) == (0..<20).map { [UInt8($0)] })
    }
}

import Foundation
import GRDB
import ParleyCrypto
import ParleyProtocol
import ParleyStore
import Testing

/// What the crash-test child left in its folder after a kill: both stores read back through
/// ``EncryptedStore``, and the wire log.
struct CrashStoreState {
    /// The child's passphrase (`CrashTestStores.passphraseText` in the child).
    static let passphrase = SecureBytes(copying: Array("crash test passphrase".utf8))
    static let users = ["alice", "bob"]

    /// One party's history (of its only conversation) and outbox.
    struct Party {
        let user: String
        let history: [StoredMessage]
        let outbox: [OutboxItem]

        var sent: [StoredMessage] { history.filter { $0.direction == .outgoing } }
        var received: [StoredMessage] { history.filter { $0.direction == .incoming } }
    }

    let parties: [String: Party]
    let log: CrashWireLog

    /// Reads the folder, or returns nil when the child was killed before its setup was complete
    /// (no `stores/` yet; then nothing may have been sent either).
    ///
    /// Each database must first pass `PRAGMA integrity_check`, then open with the passphrase.
    static func read(_ folder: URL, context: String) async throws -> CrashStoreState? {
        let log = try CrashWireLog(folder: folder)
        let stores = folder.appendingPathComponent("stores")
        guard FileManager.default.fileExists(atPath: stores.path) else {
            #expect(log.entries.isEmpty, "\(context): wire messages were delivered, yet the stores are not set up")
            return nil
        }
        let partial = folder.appendingPathComponent("stores.partial")
        #expect(!FileManager.default.fileExists(atPath: partial.path), "\(context): stores.partial/ left next to stores/")
        var parties: [String: Party] = [:]
        for user in users {
            let path = stores.appendingPathComponent("\(user).sqlite").path
            let queue = try DatabaseQueue(path: path)
            let integrity = try await queue.read { db in try String.fetchAll(db, sql: "PRAGMA integrity_check") }
            try queue.close()
            #expect(integrity == ["ok"], "\(context): integrity check of \(user).sqlite: \(integrity)")
            let store = try await EncryptedStore.open(at: path, passphrase: passphrase)
            let peer = user == "alice" ? "bob" : "alice"
            parties[user] = Party(
                user: user, history: try await store.history(conversation: peer, limit: Int.max), outbox: try await store.outbox()
            )
            try store.close()
        }
        return CrashStoreState(parties: parties, log: log)
    }

    /// The pairs (sender, receiver) of the two directions.
    var directions: [(sender: Party, receiver: Party)] {
        guard let alice = parties["alice"], let bob = parties["bob"] else { return [] }
        return [(alice, bob), (bob, alice)]
    }

    /// Checks what must hold after any kill: no message twice, none failed, nothing received
    /// that was not sent, every message marked sent was received (so a delivery was never
    /// half done), outbox rows and pending history rows committed together, and no message
    /// key used for two different wire messages.
    func expectConsistent(_ context: String) {
        #expect(directions.count == 2, "\(context): a party is missing")
        for (sender, receiver) in directions {
            let direction = "\(context), \(sender.user) → \(receiver.user)"
            let failed = receiver.history.filter { $0.state == .failed }
            #expect(failed.isEmpty, "\(direction): failed rows \(failed.map { $0.failureReason ?? "?" })")
            let sentTexts = sender.sent.map(Self.text)
            let receivedTexts = receiver.received.filter { $0.state == .received }.map(Self.text)
            let received = Set(receivedTexts)
            let sentTwice = Self.duplicates(sentTexts)
            let receivedTwice = Self.duplicates(receivedTexts)
            #expect(sentTwice.isEmpty, "\(direction): sent twice: \(sentTwice)")
            #expect(receivedTwice.isEmpty, "\(direction): received twice: \(receivedTwice)")
            let neverSent = received.subtracting(sentTexts)
            #expect(neverSent.isEmpty, "\(direction): received but never sent: \(neverSent.sorted())")
            let lost = sender.sent.filter { $0.state == .sent }.map(Self.text).filter { !received.contains($0) }
            #expect(lost.isEmpty, "\(direction): marked sent but never received: \(lost)")
            let pendingRows = Set(sender.sent.filter { $0.state == .pending }.map(\.rowID))
            let outboxRows = Set(sender.outbox.compactMap(\.messageRowID))
            #expect(
                sender.outbox.count == outboxRows.count && outboxRows == pendingRows,
                "\(direction): outbox rows \(outboxRows.sorted()) but pending history rows \(pendingRows.sorted())")
        }
        #expect(log.malformed.isEmpty, "\(context): malformed wire.log lines: \(log.malformed.prefix(3))")
        let reused = log.reusedMessageKeys
        #expect(reused.isEmpty, "\(context): message keys used twice: \(reused.prefix(5))")
    }

    /// After a run that ended normally: both outboxes empty, and every message sent was
    /// received exactly once.
    func expectEverythingDelivered(_ context: String) {
        for (sender, receiver) in directions {
            let direction = "\(context), \(sender.user) → \(receiver.user)"
            #expect(sender.outbox.isEmpty, "\(direction): \(sender.outbox.count) outbox items left")
            #expect(sender.sent.allSatisfy { $0.state == .sent }, "\(direction): sent messages not marked sent")
            let sentTexts = sender.sent.map(Self.text)
            let receivedTexts = receiver.received.map(Self.text)
            let missing = Set(sentTexts).subtracting(receivedTexts)
            #expect(
                sentTexts.count == receivedTexts.count && missing.isEmpty,
                "\(direction): \(sentTexts.count) sent, \(receivedTexts.count) received, missing \(missing.sorted().prefix(5))")
        }
    }

    /// How many messages were received by one party but are still pending at the other:
    /// the kill fell between the receiver's commit and the sender's markSent.
    var inFlight: Int {
        directions.map { sender, receiver in
            let received = Set(receiver.received.map(Self.text))
            return sender.sent.filter { $0.state == .pending && received.contains(Self.text($0)) }.count
        }.reduce(0, +)
    }

    /// Messages sent by either party so far.
    var messageCount: Int { directions.map(\.sender.sent.count).reduce(0, +) }

    static func text(_ message: StoredMessage) -> String { String(decoding: message.body, as: UTF8.self) }

    private static func duplicates(_ texts: [String]) -> [String] {
        Dictionary(grouping: texts, by: { $0 }).filter { $0.value.count > 1 }.map(\.key).sorted()
    }
}

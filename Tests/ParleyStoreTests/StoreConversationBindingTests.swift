import Foundation
import GRDB
import ParleyCrypto
import ParleyProtocol
import ParleyStore
import Testing

/// Issue 12 item 8: a history row moved to another conversation by editing the store file
/// (its `conversation_hash`) is an integrity error, not a message shown in the wrong conversation.
struct StoreConversationBindingTests {
    @Test func aMessageMovedToAnotherConversationIsAnIntegrityError() async throws {
        let pair = try await StoreMessagingTests.Pair(seed: 80)
        for (text, conversation) in [("for alice", "alice"), ("for carol", "carol")] {
            _ = try await pair.alice.send(
                Array(text.utf8), to: StoreFixtures.bob, conversation: conversation, historyBody: Array(text.utf8), timestamp: 5)
        }
        let path = pair.alice.path
        try pair.alice.close()
        let queue = try DatabaseQueue(path: path)
        try await queue.write { db in
            let carolHash = try #require(
                try Data.fetchOne(db, sql: "SELECT conversation_hash FROM messages ORDER BY id DESC LIMIT 1"))
            try db.execute(
                sql: "UPDATE messages SET conversation_hash = ? WHERE id = (SELECT MIN(id) FROM messages)",
                arguments: [carolHash])
        }
        try queue.close()
        let reopened = try await EncryptedStore.open(at: path, passphrase: StoreFixtures.passphrase)
        // Before: carol's conversation showed alice's message too.
        await #expect(throws: StoreError.integrity(table: "messages")) { try await reopened.history(conversation: "carol") }
        #expect(try await reopened.history(conversation: "alice").isEmpty)
        try reopened.close()
    }
}

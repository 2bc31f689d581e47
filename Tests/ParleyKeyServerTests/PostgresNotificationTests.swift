import Foundation
import Testing

@testable import ParleyKeyServer

@Suite("Mailbox notifications over PostgreSQL LISTEN/NOTIFY")
struct PostgresNotificationTests {
    /// A message stored through one instance is announced, as its recipient's address, to a
    /// listener on another connection; nothing is announced for a send that fails.
    @Test(.enabled(if: Backend.postgresURL != nil, "needs PARLEY_TEST_POSTGRES_URL (see PostgresCoverageTests)"))
    func mailboxNotificationsReachAnotherConnection() async throws {
        try await Backend.postgres.withSharedStorages(2) { storages in
            let schema = try #require(storages.compactMap { $0 as? PostgresKeyServerStorage }.first).configuration
            let notifications = PostgresMailboxNotifications(configuration: schema)
            let clock = TestClock()
            try await withThrowingTaskGroup(of: Void.self) { group in
                let (listening, listeningContinuation) = AsyncStream.makeStream(of: Void.self)
                group.addTask { try await notifications.run { listeningContinuation.yield() } }
                defer { group.cancelAll() }
                // Bounded wait: the listener connects within 10 s or the test fails.
                let ready = try await withTimeout(seconds: 60) { await listening.first { _ in true } != nil }
                #expect(ready == true)
                try await withServer(storage: storages[0], clock: clock) { first in
                    try await withServer(storage: storages[1], clock: clock) { second in
                        _ = try await first.readyUser("bob")
                        _ = try await second.readyUser("alice")
                        let (_, carol) = try await second.readyUser("carol")
                        let body = b64(Array("hi".utf8))
                        // A batch with an unknown device: nothing stored, so nothing announced
                        // (alice/1 would be announced first if it were).
                        let failed = try await second.call(
                            .put, "/v1/messages",
                            json: [
                                "messages": [
                                    ["user": "alice", "device": 1, "body": body], ["user": "bob", "device": 9, "body": body],
                                ]
                            ],
                            as: carol)
                        #expect(failed.status == 404)
                        let sent = try await second.call(
                            .put, "/v1/messages", json: ["messages": [["user": "bob", "device": 1, "body": body]]], as: carol)
                        #expect(sent.status == 200)
                    }
                }
                let address = try await withTimeout(seconds: 60) { await notifications.addresses.first { _ in true } }
                #expect(address == DeviceAddress(user: try UserID("bob"), device: 1))
            }
        }
    }

    @Test func notificationPayloadsAreParsedStrictly() throws {
        #expect(
            try PostgresMailboxNotifications.address(fromPayload: "bob/1") == DeviceAddress(user: try UserID("bob"), device: 1))
        for bad in ["", "bob", "bob/", "bob/x", "BOB/1", "bob/1/2", "bob/4294967296", String(repeating: "a", count: 100) + "/1"] {
            #expect(throws: PostgresStorageError.invalidNotification) {
                try PostgresMailboxNotifications.address(fromPayload: bad)
            }
        }
    }
}

import Foundation
import HummingbirdTesting
import ParleyCrypto
import Testing

@testable import ParleyKeyServer

/// Two live server instances on one PostgreSQL database: a device connected to one instance
/// receives, over `GET /v1/stream`, a message sent through the other (LISTEN/NOTIFY relay).
@Suite("Push across server instances")
struct CrossInstancePushTests {
    @Test(arguments: Backend.allCases.filter { $0 == .postgres })
    func pushReachesADeviceConnectedToAnotherInstance(backend: Backend) async throws {
        try await backend.withSharedStorages(2) { storages in
            let notifiers = try storages.map { storage in
                let postgres = try #require(storage as? PostgresKeyServerStorage)
                return PostgresMailboxNotifier(storage: storage, configuration: postgres.configuration)
            }
            let relays = notifiers.map { notifier in Task { await notifier.run() } }
            defer { for relay in relays { relay.cancel() } }
            let clock = TestClock()
            try await withServer(storage: storages[0], setup: .live, clock: clock, notifier: notifiers[0]) { first in
                try await withServer(storage: storages[1], setup: .live, clock: clock, notifier: notifiers[1]) { second in
                    let (_, bob) = try await first.readyUser("bob")
                    let (_, alice) = try await second.readyUser("alice")
                    let port = try #require(first.client.port)
                    let body = b64(Array("across instances".utf8))
                    // Sent through the OTHER instance.
                    let (_, pushed) = try await firstPushedFrame(
                        port: port, headers: first.signedHeaders(.get, "/v1/stream", as: bob)
                    ) {
                        let message = ["messages": [["user": "bob", "device": 1, "body": body]]]
                        _ = try await second.call(.put, "/v1/messages", json: message, as: alice)
                    }
                    let frame = try #require(pushed, "no frame reached the device on the other instance")
                    let json = try #require(try JSONSerialization.jsonObject(with: Data(frame.utf8)) as? [String: Any])
                    #expect(json["sender_user"] as? String == "alice")
                    #expect(json["body"] as? String == body)
                }
            }
        }
    }
}

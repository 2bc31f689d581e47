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

/// The relay of ``PostgresMailboxNotifier`` on its own (any storage; no database connection).
@Suite("Push relay")
struct PushRelayTests {
    /// A device whose mailbox holds more than one read's worth (1000) of envelopes already
    /// pushed still gets the new ones.
    @Test func newEnvelopesArePushedBehindAFullReadOfOlderOnes() async throws {
        let storage = MemoryKeyServerStorage()
        let key = Ed25519.PrivateKey(random: SystemRandomSource()).publicKey
        let bob = DeviceAddress(user: try UserID("bob"), device: 1)
        try await storage.createAccount(
            user: bob.user, accountKey: key, device: DeviceRecord(id: 1, identityKey: key, certificate: [1]))
        let notifier = PostgresMailboxNotifier(
            storage: storage, configuration: try PostgresStorageConfiguration(url: "postgres://nobody@127.0.0.1:1/none"))
        let subscription = await notifier.subscribe(bob)
        defer { subscription.cancel() }
        let received = Task {
            var ids: [Int64] = []
            for await envelope in subscription.envelopes {
                ids.append(envelope.id)
                if ids.count == 1001 { break }
            }
            return ids
        }
        let older = try await storage.enqueue(
            (0..<1000).map { OutgoingEnvelope(recipient: bob, body: [UInt8(truncatingIfNeeded: $0)]) }, from: bob, at: 1,
            mailboxLimit: 10_000)
        await notifier.relay(bob)
        // Nothing acknowledged: 1001 pending, the new one behind the first 1000.
        let newer = try await storage.enqueue(
            [OutgoingEnvelope(recipient: bob, body: [1])], from: bob, at: 2, mailboxLimit: 10_000)
        await notifier.relay(bob)
        // What has not arrived within 10 s does not count: the stream is ended then.
        let deadline = Task {
            try await Task.sleep(for: .seconds(10))
            subscription.cancel()
        }
        defer { deadline.cancel() }
        #expect(await received.value == older + newer)
    }
}

import Foundation
import ParleyTestSupport
import Testing

/// Issue 13 item 6 against real `parley-server` processes: bob keeps a stream open, deletes his
/// account (his last device), and someone else registers "bob". The old socket is closed by the
/// server and never sees the new owner's envelope (before: it stayed open and received it).
@Suite("Streams end with their device, against real processes", .serialized)
struct StreamRemovalProcessTests {
    @Test func anAccountDeletionClosesItsStreamsAndANewOwnerNeverReachesThem() async throws {
        try await SenderQuotaProcessTests.withServerProcess { client in
            try await Self.replay(open: client, remove: client, newOwner: client)
        }
    }

    /// Two processes on one PostgreSQL database: the stream is on the first, the deletion, the
    /// new registration and the send go through the second.
    @Test(.enabled(if: Backend.postgresURL != nil)) func acrossTwoProcessesOnPostgreSQL() async throws {
        try await ScratchDatabase.with { database in
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("parley-removal-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: directory) }
            var servers = try (0..<2).map { index in
                try ServerProcess(database: database.url, dataDirectory: directory.appendingPathComponent("\(index)").path)
            }
            defer { for index in servers.indices { servers[index].kill() } }
            var clients: [ExternalClient] = []
            for index in servers.indices { clients.append(ExternalClient(port: try await servers[index].waitUntilListening())) }
            try await Self.replay(open: clients[0], remove: clients[1], newOwner: clients[1])
        }
    }

    /// The attack: a stream opened through `open`, the account deleted and re-registered through
    /// the others.
    static func replay(open: ExternalClient, remove: ExternalClient, newOwner: ExternalClient) async throws {
        let (alice, oldBob) = try await open.registerAliceAndBob()
        let (stream, head) = try await RawStream.open(port: open.port, as: oldBob, clock: open.clock)
        defer { stream.close() }
        #expect(head.text.hasPrefix("HTTP/1.1 101"), "\(head.text)")
        // The old bob deletes his only device: the account goes with it.
        #expect(try await remove.call(.delete, "/v1/devices/1", as: oldBob).status == 204)
        let account = TestAccount("bob")
        let newBob = try account.device(1)
        #expect(try await newOwner.call(.post, "/v1/accounts", json: account.registration(newBob), as: newBob).status == 201)
        #expect(try await newOwner.send("for the new bob", from: alice, to: "bob"))
        // The server closes the old socket; any frame it sent is no envelope of the new owner.
        let rest = await stream.read(within: 30) { RawStream.texts(in: head.bytes + $0).count > 0 }
        let pushed = RawStream.texts(in: head.bytes + rest.bytes)
        #expect(pushed.isEmpty, "the old owner's socket received \(pushed)")
        #expect(rest.closedByServer, "the removed device's stream is still open")
    }
}

import Foundation
import GRDB
import ParleyCrypto
import Testing

@testable import ParleyClient

/// Issue 13's removed device seen from the clients, with a malicious server: carol removes her
/// stolen device 2; the server then puts it back with its old certificate (and, in one case,
/// hands out carol's old device list again). Alice, who saw the removal, never encrypts to it
/// again, and a contact who never talked to carol before does not either.
@Suite("Removed devices and a malicious server", .serialized)
struct RemovedDeviceClientTests {
    /// What the server held for device 2 and for carol's device list before the removal.
    struct ServerRows {
        let identityKey: Data
        let certificate: Data
        let listVersion: Int64
        let listDevices: Data
        let listSignature: Data
    }

    @Test func aReAddedDeviceWithANewerListIsLeftOut() async throws {
        try await Self.withStolenDeviceRemoved { world, alice, carol, stolen, rows in
            try await Self.asMaliciousServer(world) { db in try Self.reAdd(rows, db, restoreOldList: false) }
            // The server lists device 2 again under a valid certificate; the signed list does not.
            _ = try await alice.send(text: "for carol's phone only", to: "carol")
            let dave = try await world.client("dave")
            _ = try await dave.send(text: "hello carol", to: "carol")
            #expect(try await Self.texts(stolen.sync()).isEmpty)
            #expect(try await Self.texts(carol.sync()) == ["for carol's phone only", "hello carol"])
            try await Self.expectRefusedAtAlice(from: stolen, alice)
        }
    }

    @Test func anOlderListIsRefused() async throws {
        try await Self.withStolenDeviceRemoved { world, alice, carol, stolen, rows in
            try await Self.asMaliciousServer(world) { db in try Self.reAdd(rows, db, restoreOldList: true) }
            // The list from before the removal, with a valid signature: alice saw a newer one.
            await #expect(throws: ClientError.untrustedDeviceList("carol")) {
                _ = try await alice.send(text: "not sent", to: "carol")
            }
            #expect(try await Self.texts(stolen.sync()).isEmpty)
            #expect(try await Self.texts(carol.sync()).isEmpty)
            try await Self.expectRefusedAtAlice(from: stolen, alice)
        }
    }

    /// A linked device cannot sign a list; when it removes itself, the primary's next sync
    /// publishes the list without it, so that it stays out for every contact.
    @Test func aDeviceRemovedByALinkedDeviceLeavesTheListOnThePrimarysNextSync() async throws {
        try await ClientWorld.run { world in
            let carol = try await world.client("carol")
            let (laptop, _) = try await world.linkedDevice(of: carol, device: 2, folder: "carol-2")
            _ = try await laptop.sync()
            #expect(try await carol.server.deviceList(of: "carol").deviceList?.version == 2)
            try await laptop.removeDevice(2)
            #expect(try await carol.server.deviceList(of: "carol").deviceList?.devices.map(\.id) == [1, 2])
            _ = try await carol.sync()
            let list = try await carol.server.deviceList(of: "carol").deviceList
            #expect(list?.version == 3)
            #expect(list?.devices.map(\.id) == [1])
            // Nothing left to publish: the next sync changes nothing.
            _ = try await carol.sync()
            #expect(try await carol.server.deviceList(of: "carol").deviceList?.version == 3)
        }
    }

    /// What the stolen device sends alice is reported as undecryptable, and her sync goes on.
    static func expectRefusedAtAlice(from stolen: ParleyClient, _ alice: ParleyClient) async throws {
        _ = try? await stolen.send(text: "from the stolen phone", to: "alice")
        let events = try await alice.sync()
        #expect(texts(events).isEmpty)
        #expect(
            events.contains { event in
                if case .undecryptable(let sender, _) = event { return sender.user == "carol" && sender.device == 2 }
                return false
            })
    }

    /// Carol (primary device 1) links device 2, alice talks to both, carol removes device 2.
    static func withStolenDeviceRemoved(
        _ body: (ClientWorld, ParleyClient, ParleyClient, ParleyClient, ServerRows) async throws -> Void
    ) async throws {
        try await ClientWorld.run { world in
            let alice = try await world.client("alice")
            let carol = try await world.client("carol")
            let (stolen, _) = try await world.linkedDevice(of: carol, device: 2, folder: "carol-2")
            _ = try await stolen.sync()
            _ = try await alice.send(text: "before", to: "carol")
            #expect(try await texts(stolen.sync()) == ["before"])
            #expect(try await texts(carol.sync()) == ["before"])
            let rows = try readRows(world)
            try await carol.removeDevice(2)
            // Alice sees the list without device 2 (she sends to carol once after the removal).
            _ = try await alice.send(text: "after", to: "carol")
            #expect(try await texts(carol.sync()) == ["after"])
            try await body(world, alice, carol, stolen, rows)
        }
    }

    static func readRows(_ world: ClientWorld) throws -> ServerRows {
        let queue = try DatabaseQueue(path: "\(world.folder)/server.sqlite")
        defer { try? queue.close() }
        return try queue.read { db in
            let device = try #require(
                try Row.fetchOne(db, sql: "SELECT identity_key, certificate FROM devices WHERE user = 'carol' AND id = 2"))
            let list = try #require(
                try Row.fetchOne(db, sql: "SELECT version, devices, signature FROM device_lists WHERE user = 'carol'"))
            return ServerRows(
                identityKey: device["identity_key"], certificate: device["certificate"], listVersion: list["version"],
                listDevices: list["devices"], listSignature: list["signature"])
        }
    }

    /// Stops the server, edits its database as a malicious operator would, starts it again.
    static func asMaliciousServer(_ world: ClientWorld, _ edit: (Database) throws -> Void) async throws {
        world.server.stop()
        let queue = try DatabaseQueue(path: "\(world.folder)/server.sqlite")
        try queue.write(edit)
        try queue.close()
        try await world.server.start()
    }

    /// Device 2 back with its old key and certificate, and its tombstone gone.
    static func reAdd(_ rows: ServerRows, _ db: Database, restoreOldList: Bool) throws {
        try db.execute(sql: "DELETE FROM removed_devices WHERE user = 'carol'")
        try db.execute(
            sql: "INSERT INTO devices (user, id, identity_key, certificate) VALUES ('carol', 2, ?, ?)",
            arguments: [rows.identityKey, rows.certificate])
        if restoreOldList {
            try db.execute(
                sql: "UPDATE device_lists SET version = ?, devices = ?, signature = ? WHERE user = 'carol'",
                arguments: [rows.listVersion, rows.listDevices, rows.listSignature])
        }
    }

    static func texts(_ events: [ClientEvent]) -> [String] { ClientBehaviourTests.texts(events) }
}

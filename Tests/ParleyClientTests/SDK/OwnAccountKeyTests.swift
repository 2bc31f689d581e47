import Foundation
import GRDB
import ParleyCrypto
import ParleyServerAPI
import ParleyStore
import Testing

@testable import ParleyClient

/// Issue 12 item 19: the server swaps this account's own account key (and re-certifies the
/// devices under it). "Sent from my other device" copies are then refused, none are sent, and
/// every sync says why.
@Suite("Own account key changed on the server", .serialized)
struct OwnAccountKeyTests {
    @Test func copiesFromAndToOwnDevicesStopAndSyncSaysSo() async throws {
        try await ClientWorld.run { world in
            let alice = try await world.client("alice")
            let carol = try await world.client("carol")
            let (laptop, _) = try await world.linkedDevice(of: carol, device: 2, folder: "carol-2")
            _ = try await laptop.sync()
            _ = try await laptop.send(text: "copy before", to: "alice")
            #expect(try await Self.outgoingTexts(carol.sync()) == ["copy before"])

            let phoneKey = await carol.identity.publicKey
            let laptopKey = await laptop.identity.publicKey
            try await Self.replaceAccountKey(of: "carol", devices: [1: phoneKey, 2: laptopKey], world)

            // The laptop (whose own pin is the old key too) sends alice the message but no copy
            // to the phone, and its sync says why.
            _ = try await laptop.send(text: "no copy", to: "alice")
            #expect(try await Self.warnings(laptop.sync()).contains(ClientError.ownAccountKeyChanged.description))
            var events = try await carol.sync()
            #expect(Self.outgoingTexts(events).isEmpty)
            #expect(Self.warnings(events).contains(ClientError.ownAccountKeyChanged.description))
            // Accepting the new key for one's own account is refused; a copy made anyway, by a
            // device that pinned the new key (as any device the new key's holder certifies
            // would), is refused by the phone.
            let number = try await laptop.safetyNumber(with: "carol")
            await #expect(throws: ClientError.ownAccountKeyChanged) { try await laptop.verify(number) }
            try await laptop.store.saveContact(
                Contact(user: "carol", accountKey: number.remoteKey.rawRepresentation, trust: .verified))
            _ = try await laptop.send(text: "copy after", to: "alice")
            events = try await carol.sync()
            #expect(Self.outgoingTexts(events).isEmpty)
            #expect(
                events.contains { event in
                    guard case .undecryptable(let sender, let reason) = event else { return false }
                    return sender.device == 2 && reason == ClientError.ownAccountKeyChanged.description
                })
            #expect(ClientBehaviourTests.texts(try await alice.sync()) == ["copy before", "no copy", "copy after"])
        }
    }

    /// As a malicious server: a new account key for `user`, certificates and a device list under
    /// it for the same device keys.
    static func replaceAccountKey(of user: String, devices: [UInt32: Ed25519.PublicKey], _ world: ClientWorld) async throws {
        let forged = Ed25519.PrivateKey(random: SystemRandomSource())
        let userID = try UserID(user)
        let list = try SignedDeviceList.sign(
            user: userID, version: 100, devices: devices.map { SignedDeviceList.Entry(id: $0.key, identityKey: $0.value) },
            with: forged)
        let stored = SignedDeviceList.encodedDevices(list.devices)
        world.server.stop()
        let queue = try DatabaseQueue(path: "\(world.folder)/server.sqlite")
        try await queue.write { db in
            try db.execute(
                sql: "UPDATE accounts SET account_key = ? WHERE user = ?",
                arguments: [Data(forged.publicKey.rawRepresentation), user])
            for (id, key) in devices {
                let certificate = forged.signature(
                    for: DeviceCertificate.signedMessage(user: userID, device: id, identityKey: key))
                try db.execute(
                    sql: "UPDATE devices SET certificate = ? WHERE user = ? AND id = ?",
                    arguments: [Data(certificate), user, Int64(id)])
            }
            try db.execute(
                sql: "UPDATE device_lists SET version = ?, devices = ?, signature = ? WHERE user = ?",
                arguments: [Int64(list.version), Data(stored), Data(list.signature), user])
        }
        try queue.close()
        try await world.server.start()
    }

    static func outgoingTexts(_ events: [ClientEvent]) -> [String] {
        events.compactMap { event in
            guard case .message(let message) = event, message.direction == .outgoing, case .text(let text) = message.content
            else { return nil }
            return text
        }
    }

    static func warnings(_ events: [ClientEvent]) -> [String] {
        events.compactMap { event in
            guard case .warning(let text) = event else { return nil }
            return text
        }
    }
}

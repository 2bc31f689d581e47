import Foundation
import ParleyCrypto
import ParleyPayload
import ParleyProtocol
import ParleyServerAPI
import ParleyStore
import Testing

@testable import ParleyClient

/// The SDK against a live server: orders, failures, receipts, prekey upkeep, live push.
@Suite("ParleyClient against a live server", .serialized)
struct ClientBehaviourTests {
    /// The texts of the message events, in order.
    static func texts(_ events: [ClientEvent]) -> [String] {
        events.compactMap { event in
            if case .message(let message) = event, case .text(let text) = message.content { return text }
            return nil
        }
    }

    @Test func outOfOrderDeliveryIsDecryptedAndKeptInArrivalOrder() async throws {
        try await ClientWorld.run { world in
            let alice = try await world.client("alice")
            let bob = try await world.client("bob")
            // Three messages committed to alice's outbox, then handed to the server last first.
            _ = try await alice.send(text: "warm-up", to: "bob")
            #expect(Self.texts(try await bob.sync()) == ["warm-up"])
            for text in ["one", "two", "three"] {
                let payload = try await alice.makePayload(.text(text), sentAt: 1, syncedTo: nil).encode()
                _ = try await alice.store.send(
                    payload, to: PeerAddress(user: "bob", device: 1), conversation: "bob", historyBody: payload, timestamp: 1)
            }
            let queued = try await alice.store.outbox()
            #expect(queued.count == 3)
            for item in queued.reversed() {
                _ = try await alice.server.send([
                    OutgoingMessageJSON(user: "bob", device: 1, body: alice.server.base64(item.wire))
                ])
                try await alice.store.markSent(item)
            }
            #expect(Self.texts(try await bob.sync()) == ["three", "two", "one"])
            // The history holds them in arrival order, all decrypted.
            let history = try await bob.history(with: "alice").compactMap(\.content)
            #expect(history == [.text("warm-up"), .text("three"), .text("two"), .text("one")])
        }
    }

    @Test func undecryptableEnvelopeIsReportedAndAcknowledged() async throws {
        try await ClientWorld.run { world in
            let alice = try await world.client("alice")
            let bob = try await world.client("bob")
            _ = try await alice.send(text: "first", to: "bob")
            _ = try await alice.server.send([
                OutgoingMessageJSON(user: "bob", device: 1, body: alice.server.base64(Array(repeating: 0x42, count: 80)))
            ])
            _ = try await alice.send(text: "after the bad one", to: "bob")
            let events = try await bob.sync()
            #expect(Self.texts(events) == ["first", "after the bad one"])
            let failures = events.compactMap { event -> PeerAddress? in
                if case .undecryptable(let sender, _) = event { return sender }
                return nil
            }
            #expect(failures == [PeerAddress(user: "alice", device: 1)])
            // Acknowledged: the mailbox is empty, and the history shows the failure.
            #expect(try await bob.server.fetch(limit: 10).isEmpty)
            let states = try await bob.history(with: "alice").map(\.state)
            #expect(states == [.received, .failed, .received])
        }
    }

    /// A PreKeyMessage sent from alice/1 (the server authenticated alice's device) but made by a
    /// session that a third identity key started from bob's bundle: bob gets no message from
    /// it, one undecryptable event, and alice's genuine message after it still arrives.
    @Test func aPreKeyMessageFromAnIdentityKeyTheSenderNeverCertifiedIsRefused() async throws {
        try await ClientWorld.run { world in
            let alice = try await world.client("alice")
            let bob = try await world.client("bob")
            let bobAddress = PeerAddress(user: "bob", device: 1)
            let claimed = try #require(try await alice.server.claim(user: "bob", devices: [1]).first)
            let bobKey = try Ed25519.PublicKey(rawRepresentation: Array(try #require(Data(base64Encoded: claimed.identityKey))))
            let intruder = SessionManager(store: InMemoryProtocolStore(identity: IdentityKeyPair(random: SystemRandomSource())))
            try await intruder.startSession(
                with: bobAddress, bundle: try ParleyClient.preKeyBundle(claimed, certifiedKey: bobKey, user: "bob"))
            let forged = try MessagePayload(random: SystemRandomSource(), sentAt: 1, body: .text("forged")).encode()
            let wire = try await intruder.encrypt(forged, for: bobAddress)
            guard case .preKeyMessage = try WireMessage.parse(wire) else {
                Issue.record("the intruder's first message is not a PreKeyMessage")
                return
            }
            _ = try await alice.server.send([OutgoingMessageJSON(user: "bob", device: 1, body: alice.server.base64(wire))])
            _ = try await alice.send(text: "genuine", to: "bob")
            let events = try await bob.sync()
            #expect(Self.texts(events) == ["genuine"])
            let failures = events.compactMap { event -> PeerAddress? in
                if case .undecryptable(let sender, _) = event { return sender }
                return nil
            }
            #expect(failures == [PeerAddress(user: "alice", device: 1)])
        }
    }

    /// The key confirmed is the key whose number was shown: bob's account is replaced on the
    /// server (same user id, another account key) between alice's look at the safety number
    /// and her confirmation, as a server or proxy answering differently the second time would;
    /// alice pins the key she saw, and sending to the new "bob" stops as a changed number.
    @Test func verifyPinsTheKeyTheShownNumberWasComputedFrom() async throws {
        try await ClientWorld.run { world in
            let alice = try await world.client("alice")
            let bob = try await world.client("bob")
            let shown = try await alice.safetyNumber(with: "bob")
            try await bob.removeDevice(1)  // bob's last device: the account and its user id go
            let impostor = try await ParleyClient.create(
                user: "bob", server: world.server.url, storeDirectory: "\(world.folder)/impostor",
                passphrase: SecureBytes(copying: Array("pw".utf8)), limits: .minimumForTesting)
            let impostorKey = try await impostor.ownAccountKey()
            #expect(impostorKey != shown.remoteKey)

            try await alice.verify(shown)
            let pinned = try #require(try await alice.store.contact("bob"))
            #expect(pinned.accountKey == shown.remoteKey.rawRepresentation)
            #expect(pinned.trust == .verified)
            await #expect(throws: ClientError.safetyNumberChanged("bob")) { try await alice.send(text: "hi", to: "bob") }
        }
    }

    @Test func receiptsMarkSentMessagesDelivered() async throws {
        try await ClientWorld.run { world in
            let alice = try await world.client("alice")
            let bob = try await world.client("bob")
            let id = try await alice.send(text: "did you get this?", to: "bob")
            #expect(try await alice.history(with: "bob").map(\.state) == [.sent])
            _ = try await bob.sync()
            let events = try await alice.sync()
            guard case .delivered(let user, let ids) = try #require(events.first) else {
                Issue.record("expected a receipt, got \(events)")
                return
            }
            #expect(user == "bob")
            #expect(ids == [id])
            #expect(try await alice.history(with: "bob").map(\.state) == [.delivered])
            // Receipts are not messages: no history row on bob's side, and no receipt for a receipt.
            #expect(try await bob.history(with: "alice").count == 1)
            #expect(try await bob.sync().isEmpty)
        }
    }

    @Test func preKeysAreRefilledAndTheSignedPreKeyRotated() async throws {
        try await ClientWorld.run { world in
            let clock = TestClock(1_800_000_000_000)
            let bob = try await world.client("bob", clock: clock)
            #expect(try await bob.server.oneTimePreKeyCount() == PreKeyPolicy.stock)
            let firstSignedPreKey = try await bob.loadSignedPreKeyState().current
            // 81 first contacts use 81 one-time prekeys: 19 left, below the refill mark.
            for _ in 0..<81 { _ = try await bob.server.claim(user: "bob", devices: nil) }
            #expect(try await bob.server.oneTimePreKeyCount() == 19)
            #expect(try await bob.maintainPreKeys() == .init(oneTime: 81, pqOneTime: 81))
            #expect(try await bob.server.oneTimePreKeyCount() == PreKeyPolicy.stock)
            #expect(try await bob.maintainPreKeys() == .init(oneTime: 0, pqOneTime: 0))
            // A week later the signed prekey is replaced; the old one is kept for 30 days.
            clock.advance(by: PreKeyPolicy.signedPreKeyLifetimeMilliseconds)
            _ = try await bob.maintainPreKeys()
            let rotated = try await bob.loadSignedPreKeyState()
            #expect(rotated.current != firstSignedPreKey)
            #expect(rotated.retired.map(\.key) == [firstSignedPreKey].compactMap { $0 })
            let oldKey = try X25519.PublicKey(rawRepresentation: Hex.decode(firstSignedPreKey ?? "") ?? [])
            #expect(try await bob.store.signedPreKey(for: oldKey) != nil)
            clock.advance(by: PreKeyPolicy.retiredSignedPreKeyGraceMilliseconds)
            _ = try await bob.maintainPreKeys()
            #expect(try await bob.store.signedPreKey(for: oldKey) == nil)
            // (The second key was due too by then: it is the one now retired.)
            #expect(try await bob.loadSignedPreKeyState().retired.map(\.key) == [rotated.current].compactMap { $0 })
        }
    }

    @Test func envelopesForARemovedDeviceAreDroppedAndTheRestDelivered() async throws {
        try await ClientWorld.run { world in
            let alice = try await world.client("alice")
            let bob = try await world.client("bob")
            let (laptop, _) = try await world.linkedDevice(of: bob, device: 2, folder: "bob-laptop")
            _ = try await laptop.sync()
            _ = try await alice.send(text: "to both", to: "bob")
            #expect(Self.texts(try await laptop.sync()) == ["to both"])
            // Two envelopes wait in alice's outbox (the server was slow, say) when bob drops his laptop.
            for device: UInt32 in [2, 1] {
                _ = try await alice.store.send(
                    try await alice.makePayload(.text("late"), sentAt: 1, syncedTo: nil).encode(),
                    to: PeerAddress(user: "bob", device: device), conversation: "bob", historyBody: nil, timestamp: 1)
            }
            #expect(try await laptop.status().server == .ready)
            try await bob.removeDevice(2)
            // The removed device still reaches the server, which no longer knows it.
            #expect(try await laptop.status().server == .deviceUnknown)
            try await alice.flushOutbox()
            #expect(try await alice.store.outbox().isEmpty)
            #expect(Self.texts(try await bob.sync()) == ["to both", "late"])
            world.server.stop()
            let offline = try await bob.status()
            #expect(offline.server == .unreachable)
            #expect(!offline.serverReachable && offline.oneTimePreKeysOnServer == nil)
        }
    }

    @Test func aLinkedDeviceIsReachableOnceItsFirstSyncUploadedPQPreKeys() async throws {
        try await ClientWorld.run { world in
            let alice = try await world.client("alice")
            let bob = try await world.client("bob")
            let (laptop, code) = try await world.linkedDevice(of: bob, device: 2, folder: "bob-laptop")
            // The laptop has not synced yet: its signed prekey came with its registration, but it
            // has no PQ prekey on the server, so claims leave it out (sessions are Parley-v2 only)
            // and a message sent now reaches bob's phone only.
            _ = try await alice.send(text: "before the laptop synced", to: "bob")
            #expect(Self.texts(try await bob.sync()) == ["before the laptop synced"])
            #expect(Self.texts(try await laptop.sync()).isEmpty)
            // Its first sync kept that signed prekey (no new one uploaded), uploaded its last-resort
            // PQ prekey made at the link and stocked one-time prekeys of both kinds.
            let stock = try await laptop.server.preKeyStatus()
            #expect(stock.oneTime == PreKeyPolicy.stock && stock.pqOneTime == PreKeyPolicy.stock)
            #expect(stock.pqLastResortAgeSeconds != nil)
            #expect(try await laptop.loadSignedPreKeyState().current == Hex.encode(code.signedPreKey.rawRepresentation))
            // From now on it is reachable.
            _ = try await alice.send(text: "after the laptop synced", to: "bob")
            #expect(Self.texts(try await laptop.sync()) == ["after the laptop synced"])
        }
    }

    @Test func aLinkCompletesOnlyWithThePrimarysConfirmationOfTheAccountKey() async throws {
        try await ClientWorld.run { world in
            let bob = try await world.client("bob")
            let (laptop, code) = try await world.linkedDevice(of: bob, device: 2, folder: "bob-laptop")
            let bobUser = try UserID("bob")
            let accountKey = try VerifiedDeviceList(try await bob.server.deviceList(of: "bob"), for: "bob").accountKey
            func confirm(secret: SecureBytes) async throws {
                let body = LinkConfirmation.body(secret: secret, user: bobUser, device: 2, accountKey: accountKey)
                _ = try await bob.server.send([OutgoingMessageJSON(user: "bob", device: 2, body: bob.server.base64(body))])
            }
            // The confirmation is lost (taken out of the laptop's mailbox): the link does not complete.
            let mailbox = try await laptop.server.fetch(limit: 10)
            #expect(mailbox.count == 1)
            try await laptop.server.acknowledge(mailbox.map(\.id))
            await #expect(throws: ClientError.linkNotConfirmed) { try await laptop.sync() }
            // One made without the code's secret (as a server would have to) is refused.
            try await confirm(secret: SecureBytes(randomCount: LinkConfirmation.secretByteCount, from: SystemRandomSource()))
            await #expect(throws: ClientError.linkConfirmationMismatch) { try await laptop.sync() }
            // Linking again with the same code confirms again, which completes the link; the
            // refused confirmation is acknowledged with it.
            try await bob.link(code)
            #expect(try await laptop.sync().isEmpty)
            #expect(try await laptop.server.fetch(limit: 10).isEmpty)
            #expect(try await laptop.status().server == .ready)
            // A confirmation that comes after the link completed is acknowledged and ignored.
            try await confirm(secret: code.secret)
            #expect(try await laptop.sync().isEmpty)
            #expect(try await laptop.server.fetch(limit: 10).isEmpty)
        }
    }

    @Test func aLinkCompletesWhenItsConfirmationComesAfterAFullPageOfOtherEnvelopes() async throws {
        try await ClientWorld.run { world in
            let bob = try await world.client("bob")
            let alice = try await world.client("alice")
            let (laptop, code) = try await world.linkedDevice(of: bob, device: 2, folder: "bob-laptop")
            // The first confirmation is lost, then 1000 envelopes from alice arrive before the next.
            try await laptop.server.acknowledge(try await laptop.server.fetch(limit: 10).map(\.id))
            let junk = OutgoingMessageJSON(user: "bob", device: 2, body: "AA==")
            #expect(try await alice.server.send(Array(repeating: junk, count: 1000)).count == 1000)
            await #expect(throws: ClientError.linkNotConfirmed) { try await laptop.sync() }
            try await bob.link(code)
            // The confirmation is the 1001st envelope: found on the second page, and the link completes.
            _ = try await laptop.sync()
            #expect(try await laptop.status().server == .ready)
            #expect(try await laptop.server.fetch(limit: 10).isEmpty)
        }
    }

    @Test func aLinkedDeviceRegisteredWithoutItsSignedPreKeyUploadsItWhenTheLinkCompletes() async throws {
        try await ClientWorld.run { world in
            let bob = try await world.client("bob")
            let (laptop, code) = try await ParleyClient.prepareLinkedDevice(
                user: "bob", device: 2, server: world.server.url, storeDirectory: "\(world.folder)/bob-laptop",
                passphrase: SecureBytes(copying: Array("pw".utf8)), limits: .minimumForTesting)
            // The registration left out the prekey from the code (the field is optional), then the
            // primary confirmed.
            let bobUser = try UserID("bob")
            let accountKey = try Ed25519.PrivateKey(
                seed: try #require(try await bob.store.secret(ClientSettings.accountSecretKey)))
            let certificate = accountKey.signature(
                for: DeviceCertificate.signedMessage(user: bobUser, device: 2, identityKey: code.identityKey))
            try await bob.server.addDevice(
                AddDeviceRequest(
                    id: 2, identityKey: bob.server.base64(code.identityKey.rawRepresentation),
                    certificate: bob.server.base64(certificate), linkProof: bob.server.base64(code.proof),
                    deviceList: DeviceListJSON(
                        try await bob.nextDeviceList(
                            signedBy: accountKey, adding: SignedDeviceList.Entry(id: 2, identityKey: code.identityKey)))))
            let confirmation = LinkConfirmation.body(
                secret: code.secret, user: bobUser, device: 2, accountKey: accountKey.publicKey)
            _ = try await bob.server.send([OutgoingMessageJSON(user: "bob", device: 2, body: bob.server.base64(confirmation))])
            #expect(try await bob.server.claim(user: "bob", devices: [2]).isEmpty)
            _ = try await laptop.sync()
            let bundle = try #require(try await bob.server.claim(user: "bob", devices: [2]).first)
            #expect(Data(base64Encoded: bundle.signedPreKey).map(Array.init) == code.signedPreKey.rawRepresentation)
        }
    }

    @Test func sendingAFileReportsEncryptionAndUploadToTheEnd() async throws {
        try await ClientWorld.run { world in
            let alice = try await world.client("alice")
            let bob = try await world.client("bob")
            let path = "\(world.folder)/photo.bin"
            let size = 3 * 65_536 + 17
            try Data((0..<size).map { UInt8(truncatingIfNeeded: $0) }).write(to: URL(fileURLWithPath: path))
            let encryption = ProgressLog()
            let upload = ProgressLog()
            try await alice.send(
                fileAt: path, to: "bob", encryptionProgress: encryption.record, progress: upload.record)
            let encrypted = try #require(encryption.last)
            #expect(encrypted == (Int64(size), Int64(size)))
            #expect(encryption.isMonotonic && upload.isMonotonic)
            let uploaded = try #require(upload.last)
            #expect(uploaded.0 == uploaded.1 && uploaded.1 > Int64(size))
            #expect(Self.texts(try await bob.sync()).isEmpty)  // a file, not a text
            #expect(FileManager.default.contentsEqual(atPath: path, andPath: "\(bob.downloadsDirectory)/photo.bin"))
        }
    }

    /// A file whose name has the 255 bytes the format allows arrives, twice: the temporary file
    /// and the numbered second copy both fit a path component (before, the temporary name was
    /// the name plus 14 bytes, and the message was acknowledged with the file lost).
    @Test func filesWithTheLongestNamesAreSaved() async throws {
        try await ClientWorld.run { world in
            let alice = try await world.client("alice")
            let bob = try await world.client("bob")
            let longest = String(repeating: "é", count: 124) + ".bin.gz"  // 248 + 7 bytes
            #expect(longest.utf8.count == AttachmentPointer.maximumFileNameByteCount)
            let path = "\(world.folder)/\(longest)"
            try Data("contents".utf8).write(to: URL(fileURLWithPath: path))
            try await alice.send(fileAt: path, to: "bob")
            try await alice.send(fileAt: path, to: "bob")
            let saved = try await bob.sync().compactMap { event -> String? in
                if case .message(let message) = event, case .file(_, _, let savedAt, let error) = message.content {
                    #expect(error == nil)
                    return savedAt
                }
                return nil
            }
            #expect(saved.count == 2 && Set(saved).count == 2, "\(saved)")
            for file in saved {
                #expect((file as NSString).lastPathComponent.utf8.count <= 255)
                #expect(FileManager.default.contentsEqual(atPath: path, andPath: file))
            }
        }
    }

    @Test func liveStreamDeliversWhileConnected() async throws {
        try await ClientWorld.run { world in
            let alice = try await world.client("alice")
            let bob = try await world.client("bob")
            _ = try await alice.send(text: "waiting in the mailbox", to: "bob")
            let (events, continuation) = AsyncStream.makeStream(of: ClientEvent.self)
            let listener = Task { try await bob.listen { event in continuation.yield(event) } }
            defer { listener.cancel() }
            var iterator = events.makeAsyncIterator()
            // The catch-up first, then a pushed message.
            #expect(Self.texts([try #require(await iterator.next())]) == ["waiting in the mailbox"])
            _ = try await alice.send(text: "pushed live", to: "bob")
            #expect(Self.texts([try #require(await iterator.next())]) == ["pushed live"])
            #expect(try await bob.server.fetch(limit: 10).isEmpty)
        }
    }
}

/// Progress calls as a transfer reported them.
final class ProgressLog: @unchecked Sendable {
    private let lock = NSLock()
    private var calls: [(Int64, Int64)] = []

    @Sendable func record(_ done: Int64, _ total: Int64) { lock.withLock { calls.append((done, total)) } }

    /// The last call, if any.
    var last: (Int64, Int64)? { lock.withLock { calls.last } }

    /// Whether `done` never went back and `total` never changed.
    var isMonotonic: Bool {
        lock.withLock { zip(calls, calls.dropFirst()).allSatisfy { $0.0 <= $1.0 && $0.1 == $1.1 } }
    }
}

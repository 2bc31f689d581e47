import Foundation
import ParleyCrypto
import ParleyProtocol
import ParleyServerAPI
import ParleyStore
import Testing

@testable import ParleyClient

/// The client's switch to Parley-v2 against a live `parley-server` process: every new session is
/// PQXDH, one-time PQ prekeys go out once, bundles without a PQ prekey are refused, the PQ stock
/// is refilled and the last-resort PQ prekey rotated, and Parley-v1 is read only when enabled.
@Suite("Parley-v2 in the client, against a live server", .serialized)
struct ParleyV2ClientTests {
    static func texts(_ events: [ClientEvent]) -> [String] { ClientBehaviourTests.texts(events) }

    /// The envelopes waiting for `client` on the server (not acknowledged), as wire bytes.
    static func waiting(for client: ParleyClient) async throws -> [[UInt8]] {
        try await client.server.fetch(limit: 100).map { Array(Data(base64Encoded: $0.body) ?? Data()) }
    }

    /// A conversation's envelopes on the wire are Parley-v2: the first is a v2 PreKeyMessage
    /// (`0x02 0x02`, at least 1781 bytes: it carries the ML-KEM ciphertext), the answer a v2
    /// Message (`0x02 0x01`). The first message used one one-time PQ prekey: bob's server stock
    /// and bob's store each hold one fewer after it, and the next claim hands out another one.
    @Test func aConversationRunsOnParleyV2AndUsesAOneTimePQPreKeyOnce() async throws {
        try await ClientWorld.run { world in
            let alice = try await world.client("alice")
            let bob = try await world.client("bob")
            #expect(try await bob.server.preKeyStatus().pqOneTime == PreKeyPolicy.stock)
            #expect(try await bob.store.pqOneTimePreKeyCount() == PreKeyPolicy.stock)

            _ = try await alice.send(text: "hello over PQXDH", to: "bob")
            let first = try #require(try await Self.waiting(for: bob).first)
            #expect(Array(first.prefix(2)) == [0x02, 0x02])
            #expect(first.count >= 1781)
            // The server handed out one one-time PQ prekey with the bundle.
            #expect(try await bob.server.preKeyStatus().pqOneTime == PreKeyPolicy.stock - 1)
            #expect(Self.texts(try await bob.sync()) == ["hello over PQXDH"])
            // bob's store deleted the one-time PQ prekey the session was made with.
            #expect(try await bob.store.pqOneTimePreKeyCount() == PreKeyPolicy.stock - 1)

            _ = try await bob.send(text: "answer", to: "alice")
            let answer = try #require(try await Self.waiting(for: alice).last)
            #expect(Array(answer.prefix(2)) == [0x02, 0x01])
            let aliceEvents = try await alice.sync()
            #expect(Self.texts(aliceEvents) == ["answer"])

            // Another first contact gets another one-time PQ prekey, never the used one.
            let bundles = try await alice.server.claim(user: "bob", devices: [1])
            let claimed = try #require(bundles.first?.pqPreKey)
            #expect(!claimed.lastResort)
            let id = try PQPreKeyID(
                publicKey: MLKEM.PublicKey(rawRepresentation: Array(Data(base64Encoded: claimed.key) ?? Data())))
            #expect(try await bob.store.pqPreKey(for: id)?.kind == .oneTime)
            #expect(try await bob.server.preKeyStatus().pqOneTime == PreKeyPolicy.stock - 2)
        }
    }

    /// A server that hands out a bundle without a PQ prekey (`--no-require-pq-prekeys`, and bob's
    /// laptop linked but not synced yet, so it has none): alice refuses it with
    /// ``ClientError/noPQPreKey(user:device:)`` and starts no session with any of bob's devices
    /// (no fallback to Parley-v1); nothing reaches the outbox or the history.
    @Test func aBundleWithoutAPQPreKeyIsRefused() async throws {
        try await ClientWorld.run(serverArguments: ["--no-require-pq-prekeys"]) { world in
            let alice = try await world.client("alice")
            let bob = try await world.client("bob")
            _ = try await world.linkedDevice(of: bob, device: 2, folder: "bob-laptop")
            await #expect(throws: ClientError.noPQPreKey(user: "bob", device: 2)) {
                try await alice.send(text: "downgrade me", to: "bob")
            }
            for device: UInt32 in [1, 2] {
                #expect(try await alice.store.sessionRecord(for: PeerAddress(user: "bob", device: device)) == nil)
            }
            #expect(try await alice.store.outbox().isEmpty)
            #expect(try await alice.history(with: "bob").isEmpty)
        }
    }

    /// The conversion of claimed bundles refuses a missing, malformed or badly signed PQ prekey.
    @Test func bundlesWithoutAValidPQPreKeyAreRefused() throws {
        let identity = Ed25519.PrivateKey(random: SystemRandomSource())
        let other = Ed25519.PrivateKey(random: SystemRandomSource())
        let spk = X25519.PrivateKey(random: SystemRandomSource()).publicKey.rawRepresentation
        let pq = MLKEM.PrivateKey(random: SystemRandomSource()).publicKey.rawRepresentation
        func b64(_ bytes: [UInt8]) -> String { Data(bytes).base64EncodedString() }
        func bundle(_ pqPreKey: ClaimedPQPreKeyJSON?) -> BundleJSON {
            BundleJSON(
                device: 3, identityKey: b64(identity.publicKey.rawRepresentation), certificate: "",
                signedPreKey: b64(spk), signedPreKeySignature: b64(identity.signature(for: SignatureDomain.signedPreKeyV2 + spk)),
                oneTimePreKey: nil, pqPreKey: pqPreKey)
        }
        let good = identity.signature(for: SignatureDomain.pqPreKeyV2 + pq)
        let refused: [ClaimedPQPreKeyJSON?] = [
            nil,
            ClaimedPQPreKeyJSON(key: b64(Array(pq.prefix(1567))), signature: b64(good), lastResort: false),
            ClaimedPQPreKeyJSON(key: "***", signature: b64(good), lastResort: false),
            ClaimedPQPreKeyJSON(
                key: b64(pq), signature: b64(other.signature(for: SignatureDomain.pqPreKeyV2 + pq)), lastResort: true),
            ClaimedPQPreKeyJSON(key: b64(pq), signature: b64(identity.signature(for: pq)), lastResort: false),
        ]
        for pqPreKey in refused {
            #expect(throws: ClientError.noPQPreKey(user: "dana", device: 3)) {
                _ = try ParleyClient.preKeyBundle(bundle(pqPreKey), certifiedKey: identity.publicKey, user: "dana")
            }
        }
        let accepted = try ParleyClient.preKeyBundle(
            bundle(ClaimedPQPreKeyJSON(key: b64(pq), signature: b64(good), lastResort: true)), certifiedKey: identity.publicKey,
            user: "dana")
        #expect(accepted.pqPreKey.rawRepresentation == pq)
    }

    /// With an injected clock: the PQ one-time stock is refilled below the mark, and a week later
    /// the last-resort PQ prekey is replaced together with the signed prekey; the old one stays
    /// in the store for the grace period (30 days), then is deleted with its signed prekey.
    @Test func pqPreKeysAreRefilledAndTheLastResortOneRotated() async throws {
        try await ClientWorld.run { world in
            let clock = TestClock(1_800_000_000_000)
            let bob = try await world.client("bob", clock: clock)
            let alice = try await world.client("alice")
            let first = try await bob.loadSignedPreKeyState()
            let firstLastResort = try PQPreKeyID(rawRepresentation: try #require(Hex.decode(first.pqLastResort ?? "")))
            #expect(try await bob.store.pqPreKey(for: firstLastResort)?.kind == .lastResort)
            // 81 claims take 81 one-time PQ prekeys: 19 left, below the refill mark.
            for _ in 0..<81 { _ = try await alice.server.claim(user: "bob", devices: nil) }
            #expect(try await bob.server.preKeyStatus().pqOneTime == 19)
            #expect(try await bob.maintainPreKeys().pqOneTime == 81)
            #expect(try await bob.server.preKeyStatus().pqOneTime == PreKeyPolicy.stock)
            // Claimed keys stay in bob's store until a first message uses them (or never comes).
            #expect(try await bob.store.pqOneTimePreKeyCount() == PreKeyPolicy.stock + 81)

            clock.advance(by: PreKeyPolicy.signedPreKeyLifetimeMilliseconds)
            _ = try await bob.maintainPreKeys()
            let rotated = try await bob.loadSignedPreKeyState()
            #expect(rotated.current != first.current && rotated.pqLastResort != first.pqLastResort)
            #expect(rotated.retired.map(\.pqLastResort) == [first.pqLastResort])
            #expect(rotated.uploadPending == false)
            #expect(try await bob.store.pqPreKey(for: firstLastResort) != nil)
            // The server hands out the new last-resort key once the one-time ones are gone.
            for _ in 0..<PreKeyPolicy.stock { _ = try await alice.server.claim(user: "bob", devices: nil) }
            let lastResort = try #require(try await alice.server.claim(user: "bob", devices: nil).first?.pqPreKey)
            #expect(lastResort.lastResort)
            let handedOut = try PQPreKeyID(
                publicKey: MLKEM.PublicKey(rawRepresentation: Array(Data(base64Encoded: lastResort.key) ?? Data())))
            #expect(Hex.encode(handedOut.rawRepresentation) == rotated.pqLastResort)

            clock.advance(by: PreKeyPolicy.retiredSignedPreKeyGraceMilliseconds)
            _ = try await bob.maintainPreKeys()
            #expect(try await bob.store.pqPreKey(for: firstLastResort) == nil)
            #expect(try await bob.loadSignedPreKeyState().retired.map(\.pqLastResort) == [rotated.pqLastResort])
        }
    }

    /// A Parley-v1 session in alice's store (made directly in the store: the SDK never starts one)
    /// sends a v1 PreKeyMessage. bob refuses it as `unsupported_version` by default; with
    /// ``ParleyClient/setAcceptsParleyV1(_:)`` on he reads the next one.
    @Test func parleyV1IsReadOnlyWhereEnabled() async throws {
        try await ClientWorld.run { world in
            let alice = try await world.client("alice")
            let bob = try await world.client("bob")
            #expect(try await bob.acceptsParleyV1() == false)
            let bobIdentity = await bob.identity
            let v1 = SignedPreKey(identity: bobIdentity, version: .v1, random: SystemRandomSource())
            try await bob.store.saveSignedPreKey(v1)
            let bobPhone = PeerAddress(user: "bob", device: 1)
            try await alice.store.startSession(
                with: bobPhone,
                bundle: PreKeyBundle(
                    identityKey: bobIdentity.publicKey, signedPreKey: v1.keyPair.publicKey, signedPreKeySignature: v1.signature,
                    oneTimePreKey: nil))
            func sendV1(_ text: String) async throws {
                let payload = try await alice.makePayload(.text(text), sentAt: 1, syncedTo: nil).encode()
                _ = try await alice.store.send(payload, to: bobPhone, conversation: "bob", historyBody: nil, timestamp: 1)
                try await alice.flushOutbox()
            }
            try await sendV1("old suite")
            #expect(try await Self.waiting(for: bob).first?.first == 0x01)
            let refused = try await bob.sync()
            guard case .undecryptable(let sender, let reason) = try #require(refused.first) else {
                Issue.record("expected an undecryptable event, got \(refused)")
                return
            }
            #expect(sender == PeerAddress(user: "alice", device: 1))
            #expect(reason.contains("unsupported_version"))
            try await bob.setAcceptsParleyV1(true)
            #expect(try await bob.acceptsParleyV1())
            try await sendV1("old suite, enabled")
            #expect(Self.texts(try await bob.sync()) == ["old suite, enabled"])
        }
    }
}

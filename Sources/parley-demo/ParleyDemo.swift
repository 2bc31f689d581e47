import ParleyCrypto
import ParleyProtocol

/// `parley-demo`: Alice and Bob, each with their own in-memory store, agree a session with
/// X3DH and talk over the Double Ratchet in one process. Every "network" hop is a byte array
/// handed from one ``SessionManager`` to the other, so the output shows what a server would
/// carry: sizes and message types, never plaintext.
@main
struct ParleyDemo {
    static func main() async {
        do {
            try await run()
        } catch {
            print("demo failed: \(error)")
            exitCode(1)
        }
    }

    static func run() async throws {
        let aliceAddress = PeerAddress(user: "alice", device: 1)
        let bobAddress = PeerAddress(user: "bob", device: 1)
        let alice = SessionManager(store: InMemoryProtocolStore(identity: IdentityKeyPair(random: SystemRandomSource())))
        let bobIdentity = IdentityKeyPair(random: SystemRandomSource())
        let bobStore = InMemoryProtocolStore(identity: bobIdentity)
        let bob = SessionManager(store: bobStore)

        // Bob publishes a signed prekey and one-time prekeys; Alice fetches a bundle.
        let signedPreKey = SignedPreKey(identity: bobIdentity, random: SystemRandomSource())
        let oneTimePreKeys = (0..<3).map { _ in OneTimePreKey(random: SystemRandomSource()) }
        await bobStore.saveSignedPreKey(signedPreKey)
        await bobStore.saveOneTimePreKeys(oneTimePreKeys)
        let bundle = PreKeyBundle(
            identityKey: bobIdentity.publicKey, signedPreKey: signedPreKey.keyPair.publicKey,
            signedPreKeySignature: signedPreKey.signature, oneTimePreKey: oneTimePreKeys[0].keyPair.publicKey)
        try await alice.startSession(with: bobAddress, bundle: bundle)
        print("Alice verified Bob's signed prekey and ran X3DH (with a one-time prekey).\n")

        func deliver(
            _ text: String, from sender: SessionManager, _ from: PeerAddress, to receiver: SessionManager, _ to: PeerAddress
        )
            async throws -> [UInt8]
        {
            let wire = try await sender.encrypt(Array(text.utf8), for: to)
            let received = try await receiver.decrypt(wire, from: from)
            print(
                "\(from.user) -> \(to.user)  [\(kind(of: wire)), \(wire.count) bytes]  \(String(decoding: received, as: UTF8.self))"
            )
            return wire
        }

        _ = try await deliver("Hello Bob!", from: alice, aliceAddress, to: bob, bobAddress)
        _ = try await deliver("你好，世界", from: alice, aliceAddress, to: bob, bobAddress)
        _ = try await deliver("Hi Alice — مرحبا 👋", from: bob, bobAddress, to: alice, aliceAddress)
        let last = try await deliver("Now we ratchet with every reply ✨", from: alice, aliceAddress, to: bob, bobAddress)

        print("\nOut of order: Bob sends three messages, Alice receives them 3, 1, 2.")
        var wires: [[UInt8]] = []
        for text in ["one", "two", "three"] { wires.append(try await bob.encrypt(Array(text.utf8), for: aliceAddress)) }
        for index in [2, 0, 1] {
            let text = try await alice.decrypt(wires[index], from: bobAddress)
            print("  Alice reads: \(String(decoding: text, as: UTF8.self))")
        }

        print("\nA replayed message and a tampered one are rejected, and nothing changes:")
        do {
            _ = try await bob.decrypt(last, from: aliceAddress)
        } catch let error as ProtocolError {
            print("  replay   -> \(error.category)")
        }
        var tampered = try await alice.encrypt(Array("attack at dawn".utf8), for: bobAddress)
        tampered[tampered.count - 1] ^= 0x01
        do {
            _ = try await bob.decrypt(tampered, from: aliceAddress)
        } catch let error as ProtocolError {
            print("  tampered -> \(error.category)")
        }
        _ = try await deliver("Still fine after the attacks.", from: alice, aliceAddress, to: bob, bobAddress)
        print("\nOne-time prekeys left on Bob's device: \(await bobStore.oneTimePreKeyPublicKeys().count) of 3")
    }

    static func kind(of wire: [UInt8]) -> String {
        wire.count > 1 && wire[1] == WireMessageType.preKeyMessage.rawValue ? "PreKeyMessage" : "Message"
    }
}

#if canImport(Glibc)
    import Glibc
    func exitCode(_ code: Int32) { exit(code) }
#elseif canImport(Darwin)
    import Darwin
    func exitCode(_ code: Int32) { exit(code) }
#endif

import Foundation
import ParleyCrypto
import ParleyProtocol
import ParleyStore
import ParleyVectors
import Testing

/// Issue 12 item 6: two processes using one store file at the same moment, each through a
/// ``SessionManager`` over the store (`parley-store-crashtest hammer`). Before every change was
/// one transaction, both read the same session state and sent with the same message keys, and
/// both opened sessions with the same one-time prekey (or failed with SQLITE_BUSY).
@Suite("Two processes on one store", .serialized)
struct StoreConcurrentProcessTests {
    static let passphrase = SecureBytes(copying: Array("crash test passphrase".utf8))

    /// One `hammer` child: started, then released by ``go()`` once it has opened the store.
    final class Hammer {
        let process = Process()
        private let input = Pipe()
        private let output = Pipe()

        init(_ arguments: [String]) throws {
            let executable = try #require(CrashChildProcess.locate(), "parley-store-crashtest is not built")
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = ["hammer"] + arguments
            process.standardInput = input
            process.standardOutput = output
            process.standardError = output
            try process.run()
        }

        /// Waits for its `ready` line (the store is open).
        func ready() -> Bool {
            var line: [UInt8] = []
            while true {
                let byte = output.fileHandleForReading.readData(ofLength: 1)
                guard let first = byte.first else { return false }
                if first == UInt8(ascii: "\n") { return String(decoding: line, as: UTF8.self) == "ready" }
                line.append(first)
            }
        }

        func go() { input.fileHandleForWriting.write(Data("go\n".utf8)) }

        /// Everything it printed after `ready`, once it has exited, and its exit status.
        func finish() -> (lines: [String], status: Int32) {
            let rest = output.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            return (String(decoding: rest, as: UTF8.self).split(separator: "\n").map(String.init), process.terminationStatus)
        }
    }

    /// Runs two hammers with these arguments together and returns what each printed.
    static func runTogether(_ first: [String], _ second: [String]) throws -> [[String]] {
        let hammers = [try Hammer(first), try Hammer(second)]
        for hammer in hammers { #expect(hammer.ready(), "a hammer did not open the store") }
        for hammer in hammers { hammer.go() }
        return hammers.map { hammer in
            let (lines, status) = hammer.finish()
            #expect(status == 0, "hammer failed: \(lines.filter { $0.hasPrefix("error") }.prefix(3))")
            return lines
        }
    }

    @Test func twoProcessesNeverSendWithTheSameMessageKey() async throws {
        let directory = TemporaryDirectory()
        let alice = try await EncryptedStore.create(
            at: directory.path("alice.sqlite"), passphrase: Self.passphrase,
            identity: IdentityKeyPair(random: SeededRandomSource(seed: 61)), limits: StoreFixtures.limits)
        let bob = try await StoreFixtures.makeStore(directory, "bob.sqlite", seed: 62)
        try await alice.startSession(with: StoreFixtures.bob, bundle: try await StoreFixtures.publish(bob, seed: 63))
        try alice.close()

        let count = 150
        let outputs = try Self.runTogether(
            ["--store", directory.path("alice.sqlite"), "--encrypt", "\(count)"],
            ["--store", directory.path("alice.sqlite"), "--encrypt", "\(count)"])
        let sent = outputs.flatMap { $0 }.filter { $0.hasPrefix("sent ") }
        #expect(sent.count == 2 * count)
        // (DHs, N) names a message key: each one is used once.
        #expect(Set(sent).count == sent.count, "\(sent.count - Set(sent).count) message keys were used twice")
    }

    @Test func twoProcessesNeverOpenTwoSessionsWithOneOneTimePreKey() async throws {
        let directory = TemporaryDirectory()
        let bob = try await EncryptedStore.create(
            at: directory.path("bob.sqlite"), passphrase: Self.passphrase,
            identity: IdentityKeyPair(random: SeededRandomSource(seed: 71)), limits: StoreFixtures.limits)
        let random = SeededRandomSource(seed: 72)
        let bobIdentity = try await bob.identityKeyPair()
        let signed = SignedPreKey(identity: bobIdentity, random: random)
        let oneTime = (0..<40).map { _ in OneTimePreKey(random: random) }
        try await bob.saveSignedPreKey(signed)
        try await bob.saveOneTimePreKeys(oneTime)
        try bob.close()

        // Two initiators each send a first message with every one-time prekey, in the same order.
        var files: [String] = []
        for (name, seed) in [("carol", UInt64(73)), ("dave", UInt64(74))] {
            let manager = SessionManager(
                store: InMemoryProtocolStore(identity: IdentityKeyPair(random: SeededRandomSource(seed: seed))),
                random: SeededRandomSource(seed: seed + 100))
            var lines: [String] = []
            for (index, preKey) in oneTime.enumerated() {
                let bundle = PreKeyBundle(
                    identityKey: bobIdentity.publicKey, signedPreKey: signed.keyPair.publicKey,
                    signedPreKeySignature: signed.signature, oneTimePreKey: preKey.keyPair.publicKey)
                // One address per message: each first message is judged on its prekeys alone.
                let address = PeerAddress(user: "bob", device: UInt32(index + 1))
                try await manager.startSession(with: address, bundle: bundle)
                let wire = try await manager.encrypt(Array("hello \(index)".utf8), for: address)
                lines.append("\(name) \(index + 1) \(Hex.encode(wire))")
            }
            let path = directory.path("\(name).txt")
            try lines.joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)
            files.append(path)
        }

        let outputs = try Self.runTogether(
            ["--store", directory.path("bob.sqlite"), "--decrypt", files[0]],
            ["--store", directory.path("bob.sqlite"), "--decrypt", files[1]])
        let opened = outputs.map { lines in Set(lines.filter { $0.hasPrefix("ok ") }) }
        let both = opened[0].intersection(opened[1])
        #expect(both.isEmpty, "one-time prekeys used twice: \(both.sorted())")
        // Each prekey opened exactly one session; the other first message found it gone.
        #expect(opened[0].count + opened[1].count == oneTime.count)
        let refused = outputs.flatMap { $0 }.filter { $0.hasPrefix("refused ") }
        #expect(refused.count == oneTime.count && refused.allSatisfy { $0.hasSuffix(" unknown_prekey") })
    }
}

import Foundation
import ParleyCrypto
import ParleyPayload
import ParleyProtocol
import ParleyServerAPI
import Testing

@testable import ParleyClient

/// End to end: a live `parley-server` process and the `parley` CLI run as processes, the way a
/// user runs them. Outputs are compared whole, with times and ports masked.
@Suite("parley CLI against a live server", .serialized)
struct CLIConversationTests {
    /// A scratch folder with a live server and a store folder per user; removed afterwards.
    static func withWorld(_ body: (LiveServer, @escaping @Sendable (String) -> CLIUser) async throws -> Void) async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("parley-e2e-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let server = try LiveServer(folder: folder)
        try await server.start()
        defer { server.stop() }
        try await body(server) { name in CLIUser(name: name, store: "\(folder)/\(name)") }
    }

    /// ``withWorld(_:)`` with alice and bob registered.
    static func withAliceAndBob(
        _ body: (LiveServer, CLIUser, CLIUser, @escaping @Sendable (String) -> CLIUser) async throws -> Void
    ) async throws {
        try await withWorld { server, user in
            let alice = user("alice")
            let bob = user("bob")
            try await alice.initialize(on: server)
            try await bob.initialize(on: server)
            try await body(server, alice, bob, user)
        }
    }

    /// A message built to act on the recipient's terminal (retitle the window, clear the screen,
    /// draw a fake second line, reorder text) is shown with its control characters escaped:
    /// the output holds no control character but the line ends, and no line of its own.
    @Test func controlCharactersInAMessageAreShownEscaped() async throws {
        try await Self.withAliceAndBob { _, alice, bob, _ in
            let hostile = "hi\u{1B}]0;pwned\u{7}\u{1B}[2J\nbank -> Your account is locked\u{9B}1A \u{202E}txt.exe \\u{1B}"
            try await alice.ok("send", ["bob", hostile])
            let shown = try await bob.ok("sync")
            let controls = shown.unicodeScalars.filter { $0 != "\n" && DisplayControls.contains($0) }
            #expect(controls.isEmpty, "control characters reached the terminal: \(controls.map(\.value))")
            #expect(!shown.split(separator: "\n").contains { $0.hasPrefix("bank ->") }, "the message drew a line of its own")
            #expect(
                shown.contains(
                    #"alice -> hi\u{1B}]0;pwned\u{7}\u{1B}[2J\u{A}bank -> Your account is locked\u{9B}1A \u{202E}txt.exe \\u{1B}"#
                ), "output: \(shown)")
            // JSON lines carry the text as it was written (JSON escapes controls itself).
            try await alice.ok("send", ["bob", hostile])
            let json = try await bob.ok("sync", ["--json"])
            #expect(!json.unicodeScalars.contains { $0 != "\n" && DisplayControls.contains($0) })
            let line = try #require(json.split(separator: "\n").first { $0.contains("\"event\":\"message\"") })
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            #expect(object?["text"] as? String == hostile)
        }
    }

    /// The store folder is the owner's (0700) and the store file too (0600); a store in a folder
    /// that other users may write is refused with one sentence; with neither `--store` nor
    /// `PARLEY_STORE` the store is `$HOME/.parley`.
    @Test func theStoreIsPrivateAndFoundUnderHOME() async throws {
        try await Self.withWorld { server, user in
            let alice = user("alice")
            try await alice.initialize(on: server)
            func mode(_ path: String) throws -> Int {
                let attributes = try FileManager.default.attributesOfItem(atPath: path)
                return try #require((attributes[.posixPermissions] as? NSNumber)?.intValue) & 0o777
            }
            #expect(try mode(alice.store) == 0o700)
            #expect(try mode(alice.store + "/store.sqlite") == 0o600)

            try FileManager.default.setAttributes([.posixPermissions: 0o777], ofItemAtPath: alice.store)
            let refused = try await alice.run("status")
            #expect(refused.status == 1)
            #expect(
                refused.stderr
                    == "parley: The store directory \(alice.store) is writable by other users; make it private (chmod 700) before using it.\n"
            )
            try FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: alice.store)
            let status = try await alice.ok("status")
            // The stock of both kinds of one-time prekeys on the server, and the key ages.
            #expect(status.contains("prekeys:   100 one-time, 100 post-quantum one-time on the server"), "\(status)")
            #expect(status.contains("key ages:  signed prekey "), "\(status)")
            #expect(status.contains("post-quantum last-resort prekey "), "\(status)")
            #expect(!status.contains("prekey ?"), "\(status)")
            let json = try await alice.ok("status", ["--json"])
            #expect(json.contains(#""pq_one_time_prekeys":100"#), "\(json)")

            let home = (alice.store as NSString).deletingLastPathComponent + "/home"
            let homeless = try await alice.launchParley(["status"], environment: ["HOME": home, "PARLEY_STORE": nil])
            #expect(homeless.status == 1)
            #expect(homeless.stderr.contains("No Parley store in \(home)/.parley;"), "stderr: \(homeless.stderr)")
        }
    }

    /// Ctrl-C at the passphrase prompt (echo off) ends `parley` by SIGINT and leaves the
    /// terminal echoing again, as it was before the prompt.
    @Test func ctrlCAtThePassphrasePromptRestoresTheTerminal() async throws {
        try await Self.withWorld { server, user in
            let alice = user("alice")
            try await alice.initialize(on: server)
            let interrupted = try await alice.interruptAtPrompt("status")
            #expect(
                interrupted.stdout.contains("prompt_echo=off status=-2 echo=on"), "\(interrupted.stdout) \(interrupted.stderr)")
        }
    }

    @Test func firstContactThenOfflineRecipient() async throws {
        try await Self.withAliceAndBob { server, alice, bob, user in
            #expect(try await alice.ok("send", ["bob", "Hello Bob 👋"]) == "sent to bob\n")
            // Bob was offline; the server kept the envelope until his sync.
            try await alice.ok("send", ["bob", "你好 مرحبا"])
            #expect(try await bob.ok("sync") == "alice -> Hello Bob 👋\nalice -> 你好 مرحبا\n")
            #expect(try await bob.ok("sync") == "no new messages\n")
            try await bob.ok("send", ["alice", "Hi Alice"])
            #expect(try await alice.ok("sync") == "delivered to bob: 2 message(s)\nbob -> Hi Alice\n")
            #expect(
                masked(try await alice.ok("history", ["bob"])) == """
                    <time> me: Hello Bob 👋 (delivered)
                    <time> me: 你好 مرحبا (delivered)
                    <time> bob: Hi Alice

                    """)
            #expect(try await alice.ok("contacts") == "bob  unverified\n")
        }
    }

    /// Envelopes that reach bob's mailbox in the reverse of the order alice encrypted them (as
    /// with a flaky network or several server instances) are all read, shown in arrival order.
    @Test func outOfOrderDelivery() async throws {
        try await Self.withAliceAndBob { _, alice, bob, _ in
            try await alice.ok("send", ["bob", "zero"])
            // Alice's device encrypts three messages; the network hands them over last first.
            let phone = try await ParleyClient.open(
                storeDirectory: alice.store, passphrase: SecureBytes(copying: Array(alice.passphrase.utf8)))
            for text in ["one", "two", "three"] {
                let payload = try await phone.makePayload(.text(text), sentAt: 1, syncedTo: nil).encode()
                _ = try await phone.store.send(
                    payload, to: PeerAddress(user: "bob", device: 1), conversation: "bob", historyBody: payload, timestamp: 1)
            }
            for item in try await phone.store.outbox().reversed() {
                _ = try await phone.server.send([
                    OutgoingMessageJSON(user: "bob", device: 1, body: phone.server.base64(item.wire))
                ])
                try await phone.store.markSent(item)
            }
            try phone.close()
            #expect(try await bob.ok("sync") == "alice -> zero\nalice -> three\nalice -> two\nalice -> one\n")
            #expect(
                masked(try await bob.ok("history", ["alice"])) == """
                    <time> alice: zero
                    <time> alice: three
                    <time> alice: two
                    <time> alice: one

                    """)
        }
    }

    @Test func safetyNumbersMatchAndVerify() async throws {
        try await Self.withAliceAndBob { server, alice, bob, user in
            let fromAlice = try JSONSerialization.jsonObject(with: Data(try await alice.ok("verify", ["--json", "bob"]).utf8))
            let fromBob = try JSONSerialization.jsonObject(with: Data(try await bob.ok("verify", ["--json", "alice"]).utf8))
            let aliceDigits = (fromAlice as? [String: Any])?["safety_number"] as? String
            let bobDigits = (fromBob as? [String: Any])?["safety_number"] as? String
            #expect(aliceDigits?.count == 60)
            #expect(aliceDigits == bobDigits)
            // Scanning bob's screen: his code matches on alice's side; her own code does not.
            let bobsCode = try #require((fromBob as? [String: Any])?["scannable"] as? String)
            let alicesCode = try #require((fromAlice as? [String: Any])?["scannable"] as? String)
            #expect(try await alice.ok("verify", ["bob", "--scanned", bobsCode]).hasSuffix("The scanned code matches.\n"))
            let mismatch = try await alice.run("verify", ["bob", "--scanned", alicesCode])
            #expect(mismatch.status == 1)
            #expect(mismatch.stdout.hasSuffix("The scanned code does NOT match: do not verify bob.\n"))
            let garbage = try await alice.run("verify", ["bob", "--scanned", "hello"])
            #expect(garbage.stderr == "parley: That is not a scanned Parley safety code.\n")
            let shown = try await alice.ok("verify", ["bob", "--confirm"])
            #expect(shown.hasSuffix("bob is now verified.\n"))
            #expect(try await alice.ok("contacts") == "bob  verified\n")
            // Options may also stand before the command's name.
            let before = try await alice.launchParley(["--store", alice.store, "--json", "contacts"])
            #expect(before.stdout == "{\"trust\":\"verified\",\"user\":\"bob\"}\n")
        }
    }

    @Test func thePassphrasePromptDoesNotEchoAndChecksWhatIsTyped() async throws {
        try await Self.withWorld { server, user in
            let alice = user("alice")
            let initArguments = ["--user", "alice", "--server", server.url, "--kdf", "interactive"]
            let newPrompt = "New passphrase for the store: "
            let againPrompt = "Type it again: "
            // Two different passphrases: nothing is created.
            let differ = try await alice.runOnTerminal(
                "init", initArguments, answering: [(newPrompt, "first try"), (againPrompt, "second try")])
            #expect(differ.status == 1)
            #expect(differ.stdout.contains("The two passphrases differ; nothing was created."))
            #expect(!ParleyClient.storeExists(in: alice.store))
            // Typed twice alike: created, and what was typed never appears on the terminal.
            let created = try await alice.runOnTerminal(
                "init", initArguments, answering: [(newPrompt, "typed secret"), (againPrompt, "typed secret")])
            #expect(created.status == 0, "\(created.stdout)")
            #expect(created.stdout.contains(newPrompt) && created.stdout.contains(againPrompt))
            #expect(created.stdout.contains("Created alice (device 1)"))
            #expect(!created.stdout.contains("typed secret"))
            // Opening it asks once; a wrong passphrase is refused, the right one opens it.
            let wrong = try await alice.runOnTerminal("status", [], answering: [("Passphrase: ", "not it")])
            #expect(wrong.status == 1)
            #expect(wrong.stdout.contains("The passphrase does not open this store."))
            #expect(!wrong.stdout.contains("not it"))
            let opened = try await alice.runOnTerminal("status", [], answering: [("Passphrase: ", "typed secret")])
            #expect(opened.status == 0, "\(opened.stdout)")
            #expect(opened.stdout.contains("user:      alice (device 1)"))
        }
    }

    @Test func linkedDeviceReceivesTheConversation() async throws {
        try await Self.withWorld { server, user in
            let alice = user("alice")
            let laptop = user("alice-laptop")
            let bob = user("bob")
            try await alice.initialize(on: server)
            try await bob.initialize(on: server)
            let printed = try await laptop.ok(
                "init", ["--user", "alice", "--server", server.url, "--device", "2", "--kdf", "interactive", "--link"])
            let code = try #require(printed.split(separator: "\n").first { $0.hasPrefix(LinkCode.prefix) })
            // Before the primary links it, the new device is not registered.
            let early = try await laptop.run("sync")
            #expect(early.status == 1)
            #expect(early.stderr.contains("not registered"))
            #expect(try await alice.ok("link", [String(code)]) == "Linked device 2 to alice; run `parley sync` on it now.\n")
            #expect(masked(try await alice.ok("devices")).contains("device 2"))
            // Sent before the laptop's first sync: it has no PQ prekey on the server yet, so it is
            // left out of bob's claim (sessions are Parley-v2 only) and only the phone gets it.
            try await bob.ok("send", ["alice", "before the laptop synced"])
            #expect(try await laptop.ok("sync") == "no new messages\n")
            #expect(try await alice.ok("sync") == "bob -> before the laptop synced\n")
            // Its first sync uploaded its PQ prekeys: now it is reachable.
            try await bob.ok("send", ["alice", "to both of you"])
            #expect(try await alice.ok("sync") == "bob -> to both of you\n")
            #expect(try await laptop.ok("sync") == "bob -> to both of you\n")
            // What alice sends from her phone shows up on her laptop as sent.
            try await alice.ok("send", ["bob", "sent from the phone"])
            #expect(try await laptop.ok("sync") == "-> bob sent from the phone\n")
            #expect(try await bob.ok("sync").contains("alice -> sent from the phone"))
            #expect(masked(try await laptop.ok("history", ["bob"])).hasSuffix("<time> me: sent from the phone (sent)\n"))
            // A code of another user is refused.
            let stranger = try await alice.run("link", [LinkCode.prefix + "AAAA"])
            #expect(stranger.status == 1)
            #expect(stranger.stderr == "parley: That is not a link code printed by `parley init --link` on a new device.\n")
        }
    }

    @Test func safetyNumberChangesWhenAnAccountIsRecreated() async throws {
        try await Self.withAliceAndBob { server, alice, bob, user in
            try await alice.ok("send", ["bob", "hi"])
            try await bob.ok("sync")
            #expect(try await alice.ok("sync") == "delivered to bob: 1 message(s)\n")
            let before = try await alice.ok("verify", ["--json", "bob"])
            // Bob removes his only device (the account goes with it) and starts over.
            #expect(try await bob.ok("devices", ["--remove", "1"]) == "Removed device 1 of bob.\n")
            // The old store still reaches the server, which no longer knows its device.
            #expect(try await bob.ok("status").contains("(reachable, but it does not know this device:"))
            let newBob = user("bob-again")
            try await CLIUser(name: "bob", store: newBob.store).initialize(on: server)
            let refused = try await alice.run("send", ["bob", "are you still you?"])
            #expect(refused.status == 1)
            #expect(
                refused.stderr
                    == "parley: The safety number with bob has changed; compare it and run `parley verify bob --confirm` to accept it.\n"
            )
            #expect(try await alice.ok("contacts") == "bob  changed\n")
            // Incoming messages from the new key are shown, with a warning.
            try await newBob.ok("send", ["alice", "it is me, new phone"])
            #expect(try await alice.ok("sync") == "bob -> it is me, new phone [safety number changed]\n")
            let after = try await alice.ok("verify", ["--json", "bob"])
            #expect(before != after)
            try await alice.ok("verify", ["bob", "--confirm"])
            #expect(try await alice.ok("send", ["bob", "welcome back"]) == "sent to bob\n")
            #expect(try await newBob.ok("sync").contains("alice -> welcome back"))
        }
    }

    /// `parley chat`: what arrives is printed while the chat runs; each line typed is sent.
    @Test func chatShowsIncomingLiveAndSendsTypedLines() async throws {
        try await Self.withAliceAndBob { _, alice, bob, _ in
            let chat = try ChatSession(bob, with: "alice")
            defer { chat.close() }
            #expect(try await chat.waitForOutput(containing: "chatting with alice"))
            try await alice.ok("send", ["bob", "are you there?"])
            #expect(try await chat.waitForOutput(containing: "alice -> are you there?"))
            chat.type("yes, typing live\n")
            var received = ""
            let deadline = ContinuousClock.now + .seconds(60)
            while !received.contains("bob -> yes, typing live"), ContinuousClock.now < deadline {
                received += try await alice.ok("sync")
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(received.contains("bob -> yes, typing live"))
            #expect(chat.finish() == 0)
        }
    }

    @Test func serverRestartMidConversation() async throws {
        try await Self.withAliceAndBob { server, alice, bob, user in
            try await alice.ok("send", ["bob", "before the restart"])
            server.stop()
            // With the server down a message to bob (who has a session) is encrypted to his last
            // verified devices and queued, with a clear sentence; a first message to someone
            // new cannot be, and nothing is kept.
            let down = try await alice.run("send", ["bob", "while it was down"])
            #expect(down.status == 1)
            #expect(
                masked(down.stderr)
                    == "parley: The server at http://<server> cannot be reached; your message to bob is saved and queued, and is sent on the next send or sync.\n"
            )
            let stranger = try await alice.run("send", ["carol", "hello"])
            #expect(stranger.status == 1)
            #expect(masked(stranger.stderr).contains("a first message to carol needs it"))
            #expect(try await alice.ok("status").contains("outbox:    1 waiting"))
            #expect(try await alice.ok("status").contains("server:    http://127.0.0.1:\(server.port) (unreachable)"))
            try await server.start()
            // The envelope accepted before the SIGKILL survived it; the conversation goes on.
            #expect(try await bob.ok("sync") == "alice -> before the restart\n")
            try await alice.ok("send", ["bob", "after the restart"])
            #expect(try await bob.ok("sync") == "alice -> while it was down\nalice -> after the restart\n")
            #expect(try await alice.ok("sync") == "delivered to bob: 1 message(s)\ndelivered to bob: 2 message(s)\n")
            #expect(try await alice.ok("status").contains("outbox:    0 waiting"))
        }
    }

    @Test func attachmentOfSeveralMebibytes() async throws {
        try await Self.withAliceAndBob { server, alice, bob, user in
            let original = FileManager.default.temporaryDirectory.appendingPathComponent("parley-e2e-\(UUID().uuidString).bin")
            defer { try? FileManager.default.removeItem(at: original) }
            var bytes = [UInt8](repeating: 0, count: 5 * 1024 * 1024 + 123)
            for index in bytes.indices { bytes[index] = UInt8(truncatingIfNeeded: index &* 2_654_435_761 >> 13) }
            try Data(bytes).write(to: original)
            let name = original.lastPathComponent
            #expect(try await alice.ok("send", ["bob", "--file", original.path]) == "sent \(name) to bob\n")
            let saved = "\(bob.store)/downloads/\(name)"
            #expect(
                try await bob.ok("sync") == "alice -> [file] \(name) (\(bytes.count) bytes) saved to \(saved)\n")
            #expect(try Data(contentsOf: URL(fileURLWithPath: saved)) == Data(bytes))
        }
    }

    /// 100 MiB goes through with bounded memory: neither the sending nor the receiving CLI ever
    /// holds the file, let alone file and ciphertext, in memory.
    @Test func hundredMebibyteFileWithBoundedMemory() async throws {
        try await Self.withAliceAndBob { server, alice, bob, user in
            let original = FileManager.default.temporaryDirectory.appendingPathComponent("parley-e2e-\(UUID().uuidString).bin")
            defer { try? FileManager.default.removeItem(at: original) }
            let size = 100 * 1024 * 1024
            _ = FileManager.default.createFile(atPath: original.path, contents: nil)
            let handle = try FileHandle(forWritingTo: original)
            let block = Data((0..<(1 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 11) })
            for _ in 0..<(size >> 20) { try handle.write(contentsOf: block) }
            try handle.close()
            // Peak resident size of each CLI run, in KiB. Opening a store runs Argon2id (the
            // interactive cost: 64 MiB), the largest single allocation; holding the file whole
            // would add at least 100 MiB, file and ciphertext 200 MiB.
            let sending = try await alice.peakMemoryKiB("send", ["bob", "--file", original.path])
            // Over the automatic download limit (25 MiB): sync records it, `parley download` fetches it.
            let pending = try await bob.ok("sync")
            #expect(pending.contains("not saved: larger than the automatic download limit"))
            let id = try #require(
                pending.split(separator: "`").first { $0.hasPrefix("parley download ") }?.split(separator: " ").last)
            let receiving = try await bob.peakMemoryKiB("download", [String(id)])
            #expect(sending < 140 * 1024, "send peak \(sending / 1024) MiB")
            #expect(receiving < 140 * 1024, "download peak \(receiving / 1024) MiB")
            let saved = URL(fileURLWithPath: "\(bob.store)/downloads/\(original.lastPathComponent)")
            #expect(try FileManager.default.attributesOfItem(atPath: saved.path)[.size] as? Int == size)
            #expect(try Self.sameContents(original, saved))
        }
    }

    /// Compares two files 1 MiB at a time.
    static func sameContents(_ a: URL, _ b: URL) throws -> Bool {
        let first = try FileHandle(forReadingFrom: a)
        let second = try FileHandle(forReadingFrom: b)
        defer {
            try? first.close()
            try? second.close()
        }
        while true {
            let left = try first.read(upToCount: 1 << 20) ?? Data()
            let right = try second.read(upToCount: 1 << 20) ?? Data()
            guard left == right else { return false }
            if left.isEmpty { return true }
        }
    }

    @Test func badInputGivesOneClearSentence() async throws {
        try await Self.withWorld { server, user in
            let alice = user("alice")
            try await alice.initialize(on: server)
            let unknown = try await alice.run("send", ["nobody", "hello"])
            #expect(unknown.status == 1)
            #expect(unknown.stderr == "parley: There is no user nobody on this server.\n")
            let invalid = try await alice.run("send", ["No Such User", "hello"])
            #expect(invalid.stderr.hasPrefix("parley: \"No Such User\" is not a user id"))
            var wrong = alice
            wrong.passphrase = "not the passphrase"
            let refused = try await wrong.run("sync")
            #expect(refused.status == 1)
            #expect(refused.stderr == "parley: The passphrase does not open this store.\n")
            let missing = try await user("nobody-here").run("sync")
            #expect(missing.status == 1)
            #expect(missing.stderr.hasPrefix("parley: No Parley store in "))
            let taken = try await user("alice2").run(
                "init", ["--user", "alice", "--server", server.url, "--kdf", "interactive"])
            #expect(taken.stderr == "parley: The user id alice is already taken on this server.\n")
            // Nothing half-written: the failed init left no store behind.
            #expect(!FileManager.default.fileExists(atPath: user("alice2").store))
            server.stop()
            let down = try await alice.run("sync")
            #expect(down.status == 1)
            #expect(masked(down.stderr) == "parley: The server at http://<server> cannot be reached.\n")
        }
    }
}

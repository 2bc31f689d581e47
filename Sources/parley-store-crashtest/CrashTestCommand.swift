import ArgumentParser
import Foundation
import ParleyStore
import ParleyVectors

/// `parley-store-crashtest --dir DIR --seed S`: the child process of the store's crash test
/// (Tests/ParleyStoreTests/StoreCrashTests.swift), which SIGKILLs it at random moments.
///
/// It keeps Alice's and Bob's stores in DIR (set up on the first run, opened afterwards),
/// first delivers whatever a killed run left in either outbox, then sends and delivers
/// uniquely numbered texts until `--max-rounds` or `--max-seconds` is reached. Every wire
/// message it delivers is logged to DIR/wire.log first (see ``WireLog``).
@main
struct StoreTestTool: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "parley-store-crashtest",
        abstract: "Child processes of the store's process tests.",
        subcommands: [CrashTestCommand.self, HammerCommand.self],
        defaultSubcommand: CrashTestCommand.self
    )
}

struct CrashTestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "loop",
        abstract: "Send/receive loop between two encrypted stores, for the store's crash test.",
        discussion: """
            Meant to be killed at any moment: each run resumes from what the stores hold. DIR/stores/ holds \
            alice.sqlite and bob.sqlite (passphrase "\(CrashTestStores.passphraseText)"), DIR/wire.log one line \
            per delivered wire message: sender, ratchet key (hex), message number N, BLAKE2b-256 of the wire (hex).
            """
    )

    @Option(help: "The folder holding the two stores and wire.log (created if missing).")
    var dir: String

    @Option(help: "Seeds the identities (on the first run) and this run's choices.")
    var seed: UInt64

    @Option(help: "Stop after this many seconds.")
    var maxSeconds: Double = 20

    @Option(help: "Stop after this many rounds (one new message from Alice each).")
    var maxRounds = 1_000_000

    @Option(
        help:
            "Stop (SIGSTOP) at this moment, for the test to kill or continue: \(CrashTestStage.allCases.map(\.rawValue).joined(separator: ", "))."
    )
    var stopAt: CrashTestStage?

    func validate() throws {
        guard maxSeconds > 0, maxSeconds <= 3600 else { throw ValidationError("--max-seconds must be in (0, 3600].") }
        guard maxRounds >= 0 else { throw ValidationError("--max-rounds must not be negative.") }
    }

    func run() async throws {
        let directory = URL(fileURLWithPath: dir)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let stop = CrashTestStopPoint(stage: stopAt)
        let stores = try await CrashTestStores.openOrCreate(in: directory, seed: seed, stop: stop)
        let log = try WireLog(path: directory.appendingPathComponent(WireLog.fileName).path)
        var conversation = try await CrashTestConversation(stores: stores, log: log, seed: seed, stop: stop)
        let drained = try await conversation.deliverEverything(shuffled: false)
        stop.reached(.ready)
        let deadline = ContinuousClock.now + .milliseconds(Int64(maxSeconds * 1000))
        var rounds = 0
        while rounds < maxRounds, ContinuousClock.now < deadline {
            try await conversation.round()
            rounds += 1
        }
        let left = try await conversation.deliverEverything(shuffled: true)
        try stores.alice.close()
        try stores.bob.close()
        print("rounds \(rounds), drained \(drained), delivered \(conversation.delivered + left), left \(left)")
    }
}

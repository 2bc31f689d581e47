import Foundation
import ParleyCrypto
import ParleyProtocol
import ParleyStore
import ParleyVectors
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Issue 3's crash test: a child process (`parley-store-crashtest`) running a send/receive loop
/// between two stores is SIGKILLed at each stage of its first-time setup, between a receiver's
/// commit and its sender's markSent, and at seeded random moments of its send/receive loop. The
/// child stops itself (SIGSTOP) at the stage the test names (`--stop-at`), so that the kill
/// points are the same on an idle machine and a loaded one. After each kill both stores pass
/// SQLite's integrity check and open, and ``CrashStoreState/expectConsistent(_:)`` holds; at the
/// end a clean run delivers what is left, every message arrives exactly once, and every wire
/// ever delivered fails when replayed under a new envelope id (its message key was consumed
/// in the same commit as its message row).
///
/// The child is built by `swift build --build-tests` (and `swift test`), which build every
/// target; a test target cannot depend on an executable target, so the test finds it next to
/// its own binary (see ``CrashChildProcess/locate(filePath:)``). Set `PARLEY_CRASH_SEED` to
/// rerun a failing seed; every failure message names the seed.
struct StoreCrashTests {
    static let kills = 50
    static let defaultSeed: UInt64 = 0x5EED_0003
    /// Random kills land this long after the child reports that its send/receive loop begins
    /// (stage `ready`), so that they fall inside the loop on any machine speed.
    static let killDelays = 0...300
    /// Wires replayed at the end: the last few before each kill (those in flight), plus retries.
    static let replaysPerKill = 3

    @Test(.timeLimit(.minutes(3)))
    func storesStayConsistentWhenTheClientIsKilledAtRandomMoments() async throws {
        let seed = ProcessInfo.processInfo.environment["PARLEY_CRASH_SEED"].flatMap { UInt64($0) } ?? Self.defaultSeed
        guard let child = CrashChildProcess.locate() else {
            Issue.record(
                "seed \(seed): \(CrashChildProcess.executableName) was not found next to the test binary or in .build/debug; build it with `swift build --build-tests` (or set PARLEY_CRASHTEST_CHILD)"
            )
            return
        }
        let directory = TemporaryDirectory()
        defer { withExtendedLifetime(directory) {} }  // removed at the end, not after its last use
        var harness = Harness(
            child: child, folder: directory.url.appendingPathComponent("child"), output: directory.path("child-output.txt"),
            seed: seed)
        let started = ContinuousClock.now

        // One kill at each stage of the first-time setup, where the child stops itself: each
        // leaves a partial setup, which the next run must throw away and redo.
        var killsDuringSetup = 0
        for stage in CrashTestStage.setup {
            guard let state = try await harness.kill(at: stage) else { return }
            if case .setUpPartly = state {
                killsDuringSetup += 1
            } else {
                Issue.record("seed \(seed): a kill at \(stage.rawValue) left \(state) instead of a partial setup")
            }
        }
        // One kill between a receiver's commit and its sender's markSent (the setup completes first).
        var killsInFlight = 0
        guard let inFlight = try await harness.kill(at: .inFlight) else { return }
        if case .stores(let stores) = inFlight, stores.inFlight > 0 { killsInFlight += 1 }
        #expect(killsInFlight == 1, "seed \(seed): the kill at in-flight left \(inFlight)")

        var random = SplitMix64(seed: seed)
        var logLengthsAtKills: [Int] = []
        for _ in 0..<Self.kills {
            let delay = Int.random(in: Self.killDelays, using: &random)
            guard let state = try await harness.kill(at: .ready, thenAfter: delay) else { return }
            guard case .stores(let stores) = state else {
                Issue.record("seed \(seed): a kill \(delay) ms into the loop found no stores")
                return
            }
            killsInFlight += stores.inFlight > 0 ? 1 : 0
            logLengthsAtKills.append(stores.log.entries.count)
        }

        let context = "seed \(seed), final run"
        guard let final = try await harness.runToCompletion(maxRounds: 5) else { return }
        final.expectEverythingDelivered(context)
        try await Self.expectReplaysFail(final.log, chosenAt: logLengthsAtKills, in: harness.folder, context: context)
        #expect(killsDuringSetup == CrashTestStage.setup.count, "seed \(seed): not every setup kill left a partial setup")
        print(
            "StoreCrashTests: seed \(seed), \(harness.runs - 1) kills (\(killsDuringSetup) during the setup, \(killsInFlight) between a receive and its markSent), \(final.messageCount) messages, \(final.log.entries.count) deliveries, \(ContinuousClock.now - started)"
        )
    }

    /// Starts the child in one folder again and again, and reads what it left.
    private struct Harness {
        /// What a kill left.
        enum Aftermath {
            /// Killed before the setup began (nothing there yet).
            case nothing
            /// Killed during the setup: `stores.partial/` is there, `stores/` is not.
            case setUpPartly
            /// The stores, checked with ``CrashStoreState/expectConsistent(_:)``.
            case stores(CrashStoreState)
        }

        let child: String
        let folder: URL
        /// The children's stdout and stderr, appended.
        let output: String
        let seed: UInt64
        /// Children started so far; run k gets the seed `seed + k`.
        private(set) var runs = 0

        /// Starts the child with `--stop-at stage`, waits until it has stopped itself there, then
        /// SIGKILLs it (after continuing it for `delay` ms, if given) and checks what it left; nil
        /// (with an issue recorded) if the child ended on its own.
        mutating func kill(at stage: CrashTestStage, thenAfter delay: Int? = nil) async throws -> Aftermath? {
            let context = "seed \(seed), run \(runs), killed at \(stage.rawValue)" + (delay.map { " + \($0) ms" } ?? "")
            let process = try start(["--stop-at", stage.rawValue])
            if case .ended(let termination) = try await process.waitUntilStopped(timeout: .seconds(120)) {
                Issue.record("\(context): the child ended with \(termination) before stopping; output: \(tail)")
                try await CrashStoreState.read(folder, context: context)?.expectConsistent(context)  // which invariant broke
                return nil
            }
            if let delay {
                process.sendContinue()
                try await Task.sleep(for: .milliseconds(delay))
            }
            process.sendKill()
            let termination = try await process.wait(timeout: .seconds(30))
            guard termination == .signaled(SIGKILL) else {
                Issue.record("\(context): the child ended with \(termination) before the kill; output: \(tail)")
                try await CrashStoreState.read(folder, context: context)?.expectConsistent(context)
                return nil
            }
            guard let state = try await CrashStoreState.read(folder, context: context) else {
                let partial = folder.appendingPathComponent("stores.partial").path
                return FileManager.default.fileExists(atPath: partial) ? .setUpPartly : .nothing
            }
            state.expectConsistent(context)
            return .stores(state)
        }

        /// Runs the child to its end (it first delivers what the kills left); nil (with an issue
        /// recorded) unless it exits with status 0.
        mutating func runToCompletion(maxRounds: Int) async throws -> CrashStoreState? {
            let context = "seed \(seed), final run \(runs)"
            let termination = try await start(["--max-rounds", String(maxRounds)]).wait(timeout: .seconds(60))
            guard termination == .exited(0) else {
                Issue.record("\(context): the child ended with \(termination); output: \(tail)")
                try await CrashStoreState.read(folder, context: context)?.expectConsistent(context)
                return nil
            }
            let state = try #require(try await CrashStoreState.read(folder, context: context), "\(context): no stores")
            state.expectConsistent(context)
            return state
        }

        private mutating func start(_ extraArguments: [String]) throws -> CrashChildProcess {
            defer { runs += 1 }
            return try CrashChildProcess.spawn(
                child, arguments: ["--dir", folder.path, "--seed", String(seed &+ UInt64(runs))] + extraArguments,
                outputPath: output)
        }

        /// The end of the child's output, for failure messages.
        private var tail: String {
            String(((try? String(contentsOfFile: output, encoding: .utf8)) ?? "(none)").suffix(2000))
        }
    }

    /// Replays wires already processed under new envelope ids: each must fail (normally as a
    /// duplicate) and store no message. A wire that decrypts again had its message key still in
    /// the session: the message was stored without the state that consumed its key.
    private static func expectReplaysFail(
        _ log: CrashWireLog, chosenAt killPoints: [Int], in folder: URL, context: String
    ) async throws {
        var chosen: [Int] = killPoints.flatMap { end in (max(0, end - replaysPerKill)..<end).map { $0 } }
        var seen: [[UInt8]: Int] = [:]
        for (index, entry) in log.entries.enumerated() {
            if let first = seen[entry.wire] { chosen += [first, index] } else { seen[entry.wire] = index }
        }
        var replayed = Set<[UInt8]>()
        let stores = folder.appendingPathComponent("stores")
        var opened: [String: EncryptedStore] = [:]
        for user in CrashStoreState.users {
            opened[user] = try await EncryptedStore.open(
                at: stores.appendingPathComponent("\(user).sqlite").path, passphrase: CrashStoreState.passphrase)
        }
        for index in chosen.sorted() where log.entries.indices.contains(index) {
            let entry = log.entries[index]
            guard replayed.insert(entry.wire).inserted else { continue }
            let receiverUser = entry.sender == "alice" ? "bob" : "alice"
            let receiver = try #require(opened[receiverUser])
            let outcome = try await receiver.receive(
                envelopeID: "replay-\(index)", from: PeerAddress(user: entry.sender, device: 1), body: entry.wire,
                conversation: entry.sender, timestamp: 0)
            if case .decrypted(let message) = outcome {
                Issue.record(
                    "\(context): wire.log line \(index + 1) (\(entry.sender), N=\(entry.messageNumber)) decrypted again when replayed (\"\(CrashStoreState.text(message))\"): its message key outlived the commit of its message"
                )
            }
            #expect(outcome != .alreadyProcessed, "\(context): a new envelope id counted as processed")
        }
        for store in opened.values { try store.close() }
        #expect(replayed.count >= killPoints.count, "\(context): only \(replayed.count) wires replayed")
    }
}

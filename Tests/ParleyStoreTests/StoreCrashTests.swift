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
/// between two stores is SIGKILLed at seeded random moments. After each kill both stores pass
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
    /// The kill lands this long after the start.
    static let killDelays = 30...400
    /// Before those, kills aimed at the setup: the child pauses ``setupPause`` ms in the middle
    /// of a first-time setup. The first kill comes the moment the setup folder appears (so at
    /// least one lands inside it however much sleeps jitter on a loaded machine); then kills
    /// every 20 ms from 10 ms on, until one finds the setup complete. The next run must finish
    /// or redo what a killed setup left.
    static let setupKillDelays = stride(from: 10, through: 2000, by: 20)
    static let setupPause = 250
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

        // One kill the moment the setup has begun, then kills at growing delays until one finds
        // the setup complete (each next run must finish or redo what a killed setup left).
        guard let first = try await harness.killOnceTheSetupBegins(setupPause: Self.setupPause) else { return }
        var killsDuringSetup = 0
        if case .setUpPartly = first { killsDuringSetup += 1 }
        for delay in Self.setupKillDelays {
            guard let state = try await harness.kill(after: delay, setupPause: Self.setupPause) else { return }
            if case .stores = state { break }
            if case .setUpPartly = state { killsDuringSetup += 1 }
        }
        var random = SplitMix64(seed: seed)
        var killsInFlight = 0
        var logLengthsAtKills: [Int] = []
        for _ in 0..<Self.kills {
            let delay = Int.random(in: Self.killDelays, using: &random)
            guard let state = try await harness.kill(after: delay) else { return }
            guard case .stores(let stores) = state else {
                Issue.record("seed \(seed): a kill after \(delay) ms found no stores")
                return
            }
            killsInFlight += stores.inFlight > 0 ? 1 : 0
            logLengthsAtKills.append(stores.log.entries.count)
        }

        let context = "seed \(seed), final run"
        guard let final = try await harness.runToCompletion(maxRounds: 5) else { return }
        final.expectEverythingDelivered(context)
        try await Self.expectReplaysFail(final.log, chosenAt: logLengthsAtKills, in: harness.folder, context: context)
        #expect(killsDuringSetup >= 1, "seed \(seed): no kill landed during the setup")
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

        /// Starts the child, SIGKILLs it after `delay` ms and checks what it left; nil (with an
        /// issue recorded) if the child ended on its own.
        mutating func kill(after delay: Int, setupPause: Int = 0) async throws -> Aftermath? {
            try await kill(setupPause: setupPause, context: "seed \(seed), run \(runs), killed after \(delay) ms") {
                try await Task.sleep(for: .milliseconds(delay))
            }
        }

        /// Starts the child on an empty folder and SIGKILLs it as soon as its setup folder
        /// appears (polled every millisecond, at most 10 s): a kill inside the setup however much
        /// the test's sleeps jitter under load.
        mutating func killOnceTheSetupBegins(setupPause: Int) async throws -> Aftermath? {
            let partial = folder.appendingPathComponent("stores.partial").path
            return try await kill(setupPause: setupPause, context: "seed \(seed), run \(runs), killed once the setup began") {
                let deadline = ContinuousClock.now + .seconds(10)
                while !FileManager.default.fileExists(atPath: partial), ContinuousClock.now < deadline {
                    try await Task.sleep(for: .milliseconds(1))
                }
            }
        }

        /// Starts the child, SIGKILLs it once `wait` returns and checks what it left.
        private mutating func kill(setupPause: Int, context: String, wait: () async throws -> Void) async throws
            -> Aftermath?
        {
            let process = try start(setupPause > 0 ? ["--setup-pause-milliseconds", String(setupPause)] : [])
            try await wait()
            process.sendKill()
            let termination = try await process.wait(timeout: .seconds(10))
            guard termination == .signaled(SIGKILL) else {
                Issue.record("\(context): the child ended with \(termination) before the kill; output: \(tail)")
                try await CrashStoreState.read(folder, context: context)?.expectConsistent(context)  // which invariant broke
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

import ArgumentParser
import Foundation

/// `parley-server-bench`: a bounded load generator for a `parley-server` on loopback. For each
/// operation and concurrency level it reports requests per second and p50/p99 latency, and the
/// ratio of the operation's rate to the trivial route's (`GET /health`, the framework's ceiling).
@main
struct ServerBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "parley-server-bench",
        abstract: "Load-test a parley-server on 127.0.0.1 (bounded in count and time).",
        discussion: """
            Operations: health (trivial route), count (GET /v1/keys/count: a signed request that \
            reads one number, the floor of every signed route), claim (POST /v1/keys/claim, each \
            handing out a one-time prekey), upload (10 one-time \
            prekeys), send (PUT /v1/messages with a 1 KiB message), message (send + fetch + ack of a \
            1 KiB message, three requests counted as one operation), push (a 1 KiB send until its frame \
            arrives on the recipient's open GET /v1/stream WebSocket). \
            Requests are encoded and signed before each timed run, so that the generator's own \
            Ed25519 signing does not share the cores with the server while it is measured (the ack \
            of message names the fetched ids, so it is signed inside the timed part). \
            The output ends with one line per operation and concurrency: \
            NAME@C: rps=<x> p50=<ms> p99=<ms> ratio=<rate / health rate>, where the health rate is the \
            mean of two health runs, one right before and one right after the operation. With \
            --server-pid (Linux), each line also has server_cpu and generator_cpu: the CPU each \
            process used per operation during the timed part; the run starts by timing one \
            Ed25519 verification, which every signed request costs the server.
            """
    )

    @Option(help: "The server's port on 127.0.0.1 (only loopback is ever targeted).")
    var port: Int

    // Each cell runs until one of the two bounds: 20,000 operations or 3 s. At 10,000+ requests a
    // second a count of a few hundred took some tens of milliseconds, too short for a stable rate
    // or p99; the time bound keeps every cell comparable (about 3 s for the fast routes).
    @Option(help: "Operations per operation and concurrency level (at most; the time limit may end a cell first).")
    var requests = 20_000

    @Option(help: "Time limit per operation and concurrency level, in seconds.")
    var seconds = 3.0

    @Option(parsing: .upToNextOption, help: "Concurrency levels.")
    var concurrency: [Int] = [1, 16, 64]

    @Option(
        parsing: .upToNextOption,
        help: "Operations to run (default all); the ratio needs health among them.")
    var operations: [String] = LoadOperation.allCases.map(\.rawValue)

    @Option(help: "The server's process id, to report its CPU per operation (read from /proc; Linux only).")
    var serverPid: Int32?

    @Flag(
        help: """
            Run only the hostile cell: at each level, message quiet, then message while a hostile client             fills the receivers' mailboxes, drains their bundles and holds idle sockets from 127.0.0.2             (run it against a server with the default quotas).
            """)
    var hostile = false

    func validate() throws {
        guard !operations.isEmpty, operations.allSatisfy({ LoadOperation(rawValue: $0) != nil }) else {
            throw ValidationError("--operations takes: \(LoadOperation.allCases.map(\.rawValue).joined(separator: ", ")).")
        }
        guard (1...65535).contains(port) else { throw ValidationError("--port must be a TCP port.") }
        guard (10...100_000).contains(requests) else { throw ValidationError("--requests must be between 10 and 100000.") }
        guard seconds > 0, seconds <= 120 else { throw ValidationError("--seconds must be between 0 and 120.") }
        guard !concurrency.isEmpty, concurrency.allSatisfy({ (1...256).contains($0) }) else {
            throw ValidationError("--concurrency levels must be between 1 and 256.")
        }
    }

    func run() async throws {
        let target = LoadTarget(port: port)
        if hostile { return try await runHostileCell(target) }
        var lines: [String] = []
        let verification = try SignatureCheckCost.measure()
        print("ed25519-verify: \(format(microseconds(verification))) us per check (one thread, libsodium)")
        for level in concurrency {
            let workers = try await Workers.prepare(
                count: level, claims: operations.contains(LoadOperation.claim.rawValue) ? requests : 0, target: target,
                run: UUID().uuidString.prefix(6).lowercased())
            // The trivial route's rate moves by up to a quarter from one run to the next on a
            // shared machine, so each operation is compared with health measured right before and
            // right after it (the mean of the two), not with one health run per level.
            var healthBefore: Double?
            for operation in LoadOperation.allCases where operations.contains(operation.rawValue) {
                if operation == .push { try await workers.openPushChannels(port: port) }
                let result = try await LoadRunner.run(
                    operation, workers: workers, total: requests, limit: .seconds(seconds), serverPID: serverPid)
                var ratio = 0.0
                var bracket = ""
                if operation == .health {
                    ratio = 1
                    healthBefore = result.rate
                } else if let before = healthBefore {
                    let after = try await LoadRunner.run(.health, workers: workers, total: requests, limit: .seconds(seconds))
                        .rate
                    ratio = result.rate / max((before + after) / 2, 0.001)
                    bracket = ", health \(format(before)) before, \(format(after)) after"
                    healthBefore = after
                }
                let line =
                    "\(operation.rawValue)@\(level): rps=\(format(result.rate)) p50=\(format(result.p50Milliseconds))"
                    + " p99=\(format(result.p99Milliseconds)) ratio=\(format(ratio))"
                    + cpuFields(result) + " (\(result.count) ops, \(result.failures) failed\(bracket))"
                print(line)
                lines.append(line)
                if operation == .health, let healthCPU = result.serverCPUPerOperation {
                    lines.append(signedBound(level: level, healthCPU: healthCPU, verification: verification))
                }
            }
            workers.closePushChannels()
        }
        print("")
        for line in lines { print(line) }
    }

    /// Issue 13's cell: normal traffic (`message`) quiet and under attack, side by side. Target:
    /// the attacked rate within 20% of the quiet one.
    private func runHostileCell(_ target: LoadTarget) async throws {
        var lines: [String] = []
        for level in concurrency {
            let run = UUID().uuidString.prefix(6).lowercased()
            let workers = try await Workers.prepare(count: level, claims: 0, target: target, run: run)
            let attacker = try await Workers.register("h\(run)a", target: target)
            let claimer = try await Workers.register("h\(run)c", target: target)
            let quiet = try await LoadRunner.run(.message, workers: workers, total: requests, limit: .seconds(seconds))
            let attack = HostileTraffic(
                port: port, victims: workers.receivers.map(\.user), attacker: attacker, claimer: claimer)
            // The flood first reaches its steady state (mailboxes at the per-sender quota).
            try await Task.sleep(for: .seconds(1))
            let attacked = try await LoadRunner.run(.message, workers: workers, total: requests, limit: .seconds(seconds))
            let tally = await attack.stop()
            let line =
                "hostile@\(level): message rps=\(format(attacked.rate)) p99=\(format(attacked.p99Milliseconds))"
                + " quiet_rps=\(format(quiet.rate)) quiet_p99=\(format(quiet.p99Milliseconds))"
                + " ratio=\(format(attacked.rate / max(quiet.rate, 0.001)))"
                + " (\(attacked.count) ops, \(attacked.failures) failed; \(tally.summary))"
            print(line)
            lines.append(line)
            for device in workers.senders + workers.receivers + [attacker, claimer] { await device.close() }
        }
        print("")
        for line in lines { print(line) }
    }

    /// ` server_cpu=<µs> generator_cpu=<µs>` where measured, else nothing.
    private func cpuFields(_ result: LoadRunner.Result) -> String {
        var fields = ""
        if let server = result.serverCPUPerOperation {
            fields += " server_cpu=\(format(microseconds(server)))us"
        }
        if let generator = result.generatorCPUPerOperation {
            fields += " generator_cpu=\(format(microseconds(generator)))us"
        }
        return fields
    }

    /// The highest ratio to `health` that a route doing nothing but one signature check could
    /// reach if the server's CPU were the only limit: health's server CPU over that plus one check.
    private func signedBound(level: Int, healthCPU: Duration, verification: Duration) -> String {
        let health = microseconds(healthCPU)
        let check = microseconds(verification)
        return "signed-bound@\(level): ratio<=\(format(health / max(health + check, 0.001)))"
            + " (server-bound: health's \(format(health))us + one check's \(format(check))us)"
    }

    private func microseconds(_ duration: Duration) -> Double {
        LoadRunner.milliseconds(duration) * 1000
    }

    private func format(_ value: Double) -> String {
        String(format: "%.2f", value)
    }
}

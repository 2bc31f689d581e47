import ArgumentParser

/// `parley-bench`: per-operation medians of Parley next to raw libsodium doing the same
/// primitive work, measured in the same run and reported as ratios.
@main
struct BenchmarkCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "parley-bench",
        abstract: "Benchmark Parley against raw libsodium (protocol) and raw SQLite (store).",
        discussion: """
            Each operation is timed in interleaved batches (Parley, then the floor) and the median \
            per-operation time of each is reported. The floor of the protocol operations is libsodium \
            doing the same primitive calls; the floor of the store operations is SQLite doing the same \
            statements with rows of the same sizes and no cryptography. The output ends with one line \
            per operation: NAME: parley=<ns> floor=<ns> ratio=<x>
            """
    )

    @Option(help: "Samples per operation (each a batch of iterations).")
    var samples = 31

    @Option(help: "Iterations per sample for the message operations (X3DH uses a tenth).")
    var iterations = 400

    @Option(
        help:
            "Run only the operation with this name (steady, pingpong, x3dh-initiate, x3dh-respond, forged-worst, store-receive, store-receive-batched)."
    )
    var only: String?

    @Flag(help: "Skip the store benchmarks (which also time opening a store with the default Argon2id limits).")
    var skipStore = false

    func validate() throws {
        guard (3...1000).contains(samples) else { throw ValidationError("--samples must be between 3 and 1000.") }
        guard (10...100_000).contains(iterations) else { throw ValidationError("--iterations must be between 10 and 100000.") }
    }

    func run() async throws {
        let benchmarks: [any OperationBenchmark] = [
            SteadyBenchmark(), PingPongBenchmark(), X3DHInitiateBenchmark(), X3DHRespondBenchmark(),
            ForgedMessageBenchmark(), PQXDHInitiateBenchmark(), PQXDHRespondBenchmark(),
        ]
        var results: [(String, Double, Double)] = []
        for benchmark in benchmarks where only == nil || only == benchmark.name {
            let count = benchmark.isHeavy ? max(iterations / 10, 5) : iterations
            let (parley, floor) = try Measure.interleavedMedians(benchmark, samples: samples, iterations: count)
            results.append((benchmark.name, parley, floor))
            print("\(benchmark.name): \(benchmark.summary) (\(samples) samples x \(count) iterations)")
        }
        if !skipStore {
            let store = try await StoreBenchmark.run(samples: samples, only: only)
            for line in store.notes { print(line) }
            results += store.results
        }
        print("")
        for (name, parley, floor) in results {
            print(
                "\(name): parley=\(Int(parley.rounded())) floor=\(Int(floor.rounded())) ratio=\(String(format2: parley / floor))")
        }
    }
}

extension String {
    init(format2 value: Double) {
        let hundredths = Int((value * 100).rounded())
        let fraction = hundredths % 100
        self = "\(hundredths / 100).\(fraction < 10 ? "0" : "")\(fraction)"
    }
}

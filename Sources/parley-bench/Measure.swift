/// One operation measured two ways: through Parley and as the bare libsodium calls it needs.
protocol OperationBenchmark {
    var name: String { get }
    var summary: String { get }
    /// X3DH-sized operations run fewer iterations per sample.
    var isHeavy: Bool { get }
    /// Runs the Parley operation `iterations` times.
    mutating func runParley(iterations: Int) throws
    /// Runs the same primitive sequence directly on libsodium `iterations` times.
    mutating func runFloor(iterations: Int) throws
}

enum Measure {
    /// Median nanoseconds per operation of each side, sampled alternately so that both see
    /// the same machine conditions.
    static func interleavedMedians(
        _ benchmark: any OperationBenchmark, samples: Int, iterations: Int
    ) throws -> (parley: Double, floor: Double) {
        var benchmark = benchmark
        try benchmark.runParley(iterations: iterations)  // warm-up
        try benchmark.runFloor(iterations: iterations)
        var parley: [Double] = []
        var floor: [Double] = []
        let clock = ContinuousClock()
        for _ in 0..<samples {
            let parleyTime = try clock.measure { try benchmark.runParley(iterations: iterations) }
            let floorTime = try clock.measure { try benchmark.runFloor(iterations: iterations) }
            parley.append(nanoseconds(parleyTime) / Double(iterations))
            floor.append(nanoseconds(floorTime) / Double(iterations))
        }
        return (median(parley), median(floor))
    }

    private static func nanoseconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) * 1e9 + Double(attoseconds) / 1e9
    }

    private static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        return sorted[sorted.count / 2]
    }
}

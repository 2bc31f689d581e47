import Foundation
import ParleyCrypto

/// What is measured.
enum LoadOperation: String, CaseIterable, Sendable {
    case health
    /// `GET /v1/keys/count`: a signed request that only reads one number, the floor of every
    /// signed route (headers, signature verification, replay record).
    case count
    case claim
    case upload
    case send
    case message
    /// Send through HTTP until the frame arrives on the recipient's open WebSocket.
    case push

    /// Encodes and signs the requests of one operation as worker `index` (all but the ack of
    /// `message`, which names ids only the fetch returns); `sequence` numbers the operation
    /// within its level (it picks the claimed user).
    func prepare(_ workers: Workers, index: Int, sequence: Int = 0) throws -> [PreparedCall] {
        let sender = workers.senders[index]
        let receiver = workers.receivers[index]
        switch self {
        case .health:
            return [try sender.prepare(.get, "/health", signed: false)]
        case .count:
            return [try sender.prepare(.get, "/v1/keys/count")]
        case .claim:
            let user = workers.claimTargets[sequence / Workers.keysPerClaimTarget % workers.claimTargets.count]
            return [try sender.prepare(.post, "/v1/keys/claim", json: ["user": user])]
        case .upload:
            let keys = (0..<10).map { _ in base64(X25519.PrivateKey(random: SystemRandomSource()).publicKey.rawRepresentation) }
            return [try sender.prepare(.post, "/v1/keys/one-time", json: ["keys": keys])]
        case .send, .push, .message:
            let fill: UInt8 = self == .send ? 0x73 : self == .push ? 0x70 : 0x6d
            let message: [String: Any] = [
                "user": receiver.user, "device": 1, "body": base64([UInt8](repeating: fill, count: 1024)),
            ]
            let send = try sender.prepare(.put, "/v1/messages", json: ["messages": [message]])
            guard self == .message else { return [send] }
            return [send, try receiver.prepare(.get, "/v1/messages?limit=100")]
        }
    }

    /// Performs one operation as worker `index` from its prepared requests; true on the expected status.
    func perform(_ workers: Workers, index: Int, prepared: [PreparedCall]) async throws -> Bool {
        let sender = workers.senders[index]
        switch self {
        case .health, .count, .send:
            return try await sender.send(prepared[0]).status == 200
        case .claim:
            // Every claim must hand out a one-time prekey (the targets hold enough for the level).
            let reply = try await sender.send(prepared[0])
            return reply.status == 200 && !reply.body.containsSubsequence(Array(#""one_time_prekey":null"#.utf8))
        case .upload:
            // A device may hold 1000 one-time prekeys; a full one answers 409, which still
            // exercises the whole route. Both count as served.
            let status = try await sender.send(prepared[0]).status
            return status == 200 || status == 409
        case .push:
            guard try await sender.send(prepared[0]).status == 200 else { return false }
            return await workers.pushChannels[index].nextFrame(timeout: .seconds(5)) != nil
        case .message:
            let receiver = workers.receivers[index]
            guard try await sender.send(prepared[0]).status == 200 else { return false }
            let fetched = try await receiver.send(prepared[1])
            let ids = (fetched.json["messages"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? Int }
            guard !ids.isEmpty else { return false }
            return try await receiver.call(.post, "/v1/messages/ack", json: ["ids": ids]).status == 200
        }
    }

    /// Prepares and performs one operation as worker `index` (set-up, outside any measurement).
    func perform(_ workers: Workers, index: Int) async throws -> Bool {
        try await perform(workers, index: index, prepared: try prepare(workers, index: index))
    }
}

/// Runs one operation at one concurrency level, bounded by count and time.
enum LoadRunner {
    struct Result {
        let count: Int
        let failures: Int
        let rate: Double
        let p50Milliseconds: Double
        let p99Milliseconds: Double
        /// CPU the server used during the timed part, per operation (nil without its pid or `/proc`).
        let serverCPUPerOperation: Duration?
        /// CPU this generator used during the timed part, per operation (nil without `/proc`).
        let generatorCPUPerOperation: Duration?
    }

    /// Runs `operation` on every worker until `total` operations or `limit` have passed; with
    /// `serverPID`, also measures the server's CPU over the same time.
    static func run(
        _ operation: LoadOperation, workers: Workers, total: Int, limit: Duration, serverPID: Int32? = nil
    ) async throws -> Result {
        let clock = ContinuousClock()
        let perWorker = max(1, total / workers.senders.count)
        // Every request is encoded and signed before the clock starts (timestamps stay well inside
        // the server's 300 s window: a run is at most 120 s).
        let prepared = try workers.senders.indices.map { index in
            try (0..<perWorker).map { step in try operation.prepare(workers, index: index, sequence: index * perWorker + step) }
        }
        let deadline = clock.now.advanced(by: limit)
        let serverCPUBefore = serverPID.flatMap { ProcessCPU.used(by: $0) }
        let generatorCPUBefore = ProcessCPU.used()
        let started = clock.now
        let outcomes = try await withThrowingTaskGroup(of: [(Duration, Bool)].self) { group in
            for index in workers.senders.indices {
                let calls = prepared[index]
                group.addTask {
                    var samples: [(Duration, Bool)] = []
                    for call in calls where clock.now < deadline {
                        let begin = clock.now
                        let ok = (try? await operation.perform(workers, index: index, prepared: call)) ?? false
                        samples.append((clock.now - begin, ok))
                    }
                    return samples
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        let elapsed = clock.now - started
        let serverCPU = serverPID.flatMap { ProcessCPU.used(by: $0) }.flatMap { after in serverCPUBefore.map { after - $0 } }
        let generatorCPU = ProcessCPU.used().flatMap { after in generatorCPUBefore.map { after - $0 } }
        let operations = max(outcomes.count, 1)
        let latencies = outcomes.map { milliseconds($0.0) }.sorted()
        func percentile(_ fraction: Double) -> Double {
            latencies.isEmpty ? 0 : latencies[min(latencies.count - 1, Int(Double(latencies.count) * fraction))]
        }
        return Result(
            count: outcomes.count, failures: outcomes.filter { !$0.1 }.count,
            rate: Double(outcomes.count) / max(milliseconds(elapsed) / 1000, 0.001),
            p50Milliseconds: percentile(0.5), p99Milliseconds: percentile(0.99),
            serverCPUPerOperation: serverCPU.map { $0 / operations },
            generatorCPUPerOperation: generatorCPU.map { $0 / operations })
    }

    static func milliseconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) * 1000 + Double(attoseconds) / 1e15
    }
}

extension Array where Element == UInt8 {
    /// True when `needle` occurs in these bytes.
    func containsSubsequence(_ needle: [UInt8]) -> Bool {
        guard !needle.isEmpty, count >= needle.count else { return needle.isEmpty }
        return (0...(count - needle.count)).contains { start in self[start..<(start + needle.count)].elementsEqual(needle) }
    }
}

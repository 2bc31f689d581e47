import Foundation
import ParleyCrypto

/// What is measured.
enum LoadOperation: String, CaseIterable, Sendable {
    case health
    case claim
    case upload
    case send
    case message
    /// Send through HTTP until the frame arrives on the recipient's open WebSocket.
    case push

    /// Performs one operation as worker `index`; true on the expected status.
    func perform(_ workers: Workers, index: Int) async throws -> Bool {
        let sender = workers.senders[index]
        switch self {
        case .health:
            return try await sender.call(.get, "/health", signed: false).status == 200
        case .claim:
            return try await sender.call(.post, "/v1/keys/claim", json: ["user": workers.claimTarget]).status == 200
        case .upload:
            let keys = (0..<10).map { _ in base64(X25519.PrivateKey(random: SystemRandomSource()).publicKey.rawRepresentation) }
            // A device may hold 1000 one-time prekeys; a full one answers 409, which still
            // exercises the whole route. Both count as served.
            let status = try await sender.call(.post, "/v1/keys/one-time", json: ["keys": keys]).status
            return status == 200 || status == 409
        case .send:
            let receiver = workers.receivers[index]
            let body = base64([UInt8](repeating: 0x73, count: 1024))
            let message: [String: Any] = ["user": receiver.user, "device": 1, "body": body]
            return try await sender.call(.put, "/v1/messages", json: ["messages": [message]]).status == 200
        case .push:
            let receiver = workers.receivers[index]
            let body = base64([UInt8](repeating: 0x70, count: 1024))
            let message: [String: Any] = ["user": receiver.user, "device": 1, "body": body]
            guard try await sender.call(.put, "/v1/messages", json: ["messages": [message]]).status == 200 else { return false }
            return await workers.pushChannels[index].nextFrame(timeout: .seconds(5)) != nil
        case .message:
            let receiver = workers.receivers[index]
            let body = base64([UInt8](repeating: 0x6d, count: 1024))
            let sent = try await sender.call(
                .put, "/v1/messages", json: ["messages": [["user": receiver.user, "device": 1, "body": body]]])
            guard sent.status == 200 else { return false }
            let fetched = try await receiver.call(.get, "/v1/messages?limit=100")
            let ids = (fetched.json["messages"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? Int }
            guard !ids.isEmpty else { return false }
            return try await receiver.call(.post, "/v1/messages/ack", json: ["ids": ids]).status == 200
        }
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
    }

    static func run(_ operation: LoadOperation, workers: Workers, total: Int, limit: Duration) async throws -> Result {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: limit)
        let perWorker = max(1, total / workers.senders.count)
        let started = clock.now
        let outcomes = try await withThrowingTaskGroup(of: [(Duration, Bool)].self) { group in
            for index in workers.senders.indices {
                group.addTask {
                    var samples: [(Duration, Bool)] = []
                    for _ in 0..<perWorker where clock.now < deadline {
                        let begin = clock.now
                        let ok = (try? await operation.perform(workers, index: index)) ?? false
                        samples.append((clock.now - begin, ok))
                    }
                    return samples
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        let elapsed = clock.now - started
        let latencies = outcomes.map { milliseconds($0.0) }.sorted()
        func percentile(_ fraction: Double) -> Double {
            latencies.isEmpty ? 0 : latencies[min(latencies.count - 1, Int(Double(latencies.count) * fraction))]
        }
        return Result(
            count: outcomes.count, failures: outcomes.filter { !$0.1 }.count,
            rate: Double(outcomes.count) / max(milliseconds(elapsed) / 1000, 0.001),
            p50Milliseconds: percentile(0.5), p99Milliseconds: percentile(0.99))
    }

    private static func milliseconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) * 1000 + Double(attoseconds) / 1e15
    }
}

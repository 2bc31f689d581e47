import Foundation

/// Request counters and latency histograms for `/metrics`, by route template (never by concrete
/// path, so no user ids), method and status.
public final class ServerMetrics: @unchecked Sendable {
    /// Latency histogram bucket bounds in seconds.
    static let buckets: [Double] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5]

    private struct RequestKey: Hashable, Comparable {
        let route: String
        let method: String
        let status: Int

        static func < (lhs: RequestKey, rhs: RequestKey) -> Bool {
            (lhs.route, lhs.method, lhs.status) < (rhs.route, rhs.method, rhs.status)
        }
    }

    private struct Histogram {
        var counts = [Int](repeating: 0, count: ServerMetrics.buckets.count)
        var sum = 0.0
        var total = 0
    }

    // Guarded by `lock`: counters are updated from every request task.
    private let lock = NSLock()
    private var requests: [RequestKey: Int] = [:]
    private var latencies: [String: Histogram] = [:]

    /// Empty counters.
    public init() {}

    /// Counts one finished request.
    /// - Parameters:
    ///   - route: the route template (e.g. `/v1/users/{user}/devices`).
    ///   - method: the HTTP method.
    ///   - status: the response status code.
    ///   - seconds: how long it took.
    func record(route: String, method: String, status: Int, seconds: Double) {
        lock.lock()
        defer { lock.unlock() }
        requests[RequestKey(route: route, method: method, status: status), default: 0] += 1
        var histogram = latencies[route, default: Histogram()]
        for (index, bound) in Self.buckets.enumerated() where seconds <= bound {
            histogram.counts[index] += 1
        }
        histogram.sum += seconds
        histogram.total += 1
        latencies[route] = histogram
    }

    /// The Prometheus text exposition of the counters plus storage totals.
    /// - Parameter statistics: current storage totals.
    func render(statistics: StorageStatistics) -> String {
        lock.lock()
        let requests = self.requests
        let latencies = self.latencies
        lock.unlock()
        var out = ""
        out += "# HELP parley_http_requests_total HTTP requests by route template, method and status.\n"
        out += "# TYPE parley_http_requests_total counter\n"
        for (key, count) in requests.sorted(by: { $0.key < $1.key }) {
            out +=
                "parley_http_requests_total{route=\"\(Self.escape(key.route))\",method=\"\(key.method)\",status=\"\(key.status)\"} \(count)\n"
        }
        out += "# HELP parley_http_request_duration_seconds HTTP request latency by route template.\n"
        out += "# TYPE parley_http_request_duration_seconds histogram\n"
        for (route, histogram) in latencies.sorted(by: { $0.key < $1.key }) {
            let label = "route=\"\(Self.escape(route))\""
            for (index, bound) in Self.buckets.enumerated() {
                out += "parley_http_request_duration_seconds_bucket{\(label),le=\"\(bound)\"} \(histogram.counts[index])\n"
            }
            out += "parley_http_request_duration_seconds_bucket{\(label),le=\"+Inf\"} \(histogram.total)\n"
            out += "parley_http_request_duration_seconds_sum{\(label)} \(histogram.sum)\n"
            out += "parley_http_request_duration_seconds_count{\(label)} \(histogram.total)\n"
        }
        let gauges: [(String, String, Int)] = [
            ("parley_users", "Registered users.", statistics.users),
            ("parley_devices", "Registered devices.", statistics.devices),
            ("parley_mailbox_depth", "Pending messages over all mailboxes.", statistics.pendingMessages),
            ("parley_one_time_prekeys", "One-time prekeys in stock over all devices.", statistics.oneTimePreKeys),
        ]
        for (name, help, value) in gauges {
            out += "# HELP \(name) \(help)\n# TYPE \(name) gauge\n\(name) \(value)\n"
        }
        return out
    }

    private static func escape(_ label: String) -> String {
        label.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
    }
}

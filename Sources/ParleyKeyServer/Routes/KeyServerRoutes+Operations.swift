import Hummingbird

extension KeyServerRoutes {
    /// `GET /health`.
    func health() -> Response {
        JSONOutput.response(["status": "ok"])
    }

    /// `GET /metrics`: Prometheus text exposition format 0.0.4.
    func metricsText() async throws -> Response {
        let statistics = try await storage.statistics()
        var headers = HTTPFields()
        headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
        return Response(
            status: .ok, headers: headers,
            body: ResponseBody(byteBuffer: ByteBuffer(string: metrics.render(statistics: statistics))))
    }
}

import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import ParleyCrypto
import ParleyServerAPI

/// HTTP access to one key server: signs each request, maps every failure to a ``ClientError``.
struct KeyServerConnection: Sendable {
    /// The server's base URL, e.g. `http://127.0.0.1:8080`, without a trailing slash.
    let baseURL: String
    /// Signs every request as this device (registration included: proof of possession).
    let signer: RequestSigner
    /// Largest JSON response read (a full mailbox page of 256 KiB bodies fits).
    static let maxResponseBytes = 64 << 20
    /// How long a request may take by default: 30 s.
    static let defaultTimeout: TimeAmount = .seconds(30)
    /// Told when a request has waited a second for the server; also holds how long a request
    /// may wait at all.
    let slowNotice = SlowServerNotice(timeout: KeyServerConnection.defaultTimeout)

    init(baseURL: String, signer: RequestSigner) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.signer = signer
    }

    /// Sends a JSON request and decodes the JSON answer.
    func json<Response: Decodable>(
        _ method: HTTPMethod, _ pathWithQuery: String, body: (any Encodable)? = nil, as: Response.Type
    ) async throws -> Response {
        let bytes = try Self.encode(body)
        let response = try await execute(method, pathWithQuery, body: bytes)
        do {
            return try JSONDecoder().decode(Response.self, from: Data(response))
        } catch {
            throw ClientError.malformedServerResponse("\(method) \(pathWithQuery)")
        }
    }

    /// Sends a JSON request whose answer carries nothing the client needs.
    func call(_ method: HTTPMethod, _ pathWithQuery: String, body: (any Encodable)? = nil) async throws {
        let bytes = try Self.encode(body)
        _ = try await execute(method, pathWithQuery, body: bytes)
    }

    private static func encode(_ body: (any Encodable)?) throws -> [UInt8] {
        guard let body else { return [] }
        return Array(try JSONEncoder().encode(body))
    }

    /// Sends `body` and returns the whole response body of a 2xx answer.
    func execute(_ method: HTTPMethod, _ pathWithQuery: String, body: [UInt8]) async throws -> [UInt8] {
        var request = HTTPClientRequest(url: baseURL + pathWithQuery)
        request.method = method
        request.headers.add(name: "Content-Type", value: "application/json")
        sign(&request, pathWithQuery: pathWithQuery, bodyDigest: SHA256.hash(body))
        if !body.isEmpty { request.body = .bytes(ByteBuffer(bytes: body)) }
        let response = try await send(request)
        let collected = try await collect(response.body, upTo: Self.maxResponseBytes)
        try Self.check(status: response.status, body: collected)
        return collected
    }

    /// Adds the signature headers for a body with SHA-256 `bodyDigest`.
    func sign(_ request: inout HTTPClientRequest, pathWithQuery: String, bodyDigest: [UInt8]) {
        let headers = signer.headers(method: request.method.rawValue, pathWithQuery: pathWithQuery, bodyDigest: bodyDigest)
        for (name, value) in headers { request.headers.add(name: name, value: value) }
    }

    /// Runs a request; a transport failure is ``ClientError/serverUnreachable(_:)``.
    func send(_ request: HTTPClientRequest) async throws -> HTTPClientResponse {
        let notice = slowNotice
        let url = baseURL
        let started = ContinuousClock.now
        let watcher = Task {
            try await Task.sleep(for: SlowServerNotice.delay)
            notice.fire(url)
        }
        defer { watcher.cancel() }
        do {
            return try await HTTPTransport.client.execute(request, timeout: notice.timeout)
        } catch {
            // A request that waited past the delay has told the app, even if the watcher (on a
            // busy machine) had not run yet when the request gave up.
            if ContinuousClock.now - started >= SlowServerNotice.delay { notice.fire(url) }
            throw ClientError.serverUnreachable(baseURL)
        }
    }

    func collect(_ body: HTTPClientResponse.Body, upTo limit: Int) async throws -> [UInt8] {
        do {
            return Array(buffer: try await body.collect(upTo: limit))
        } catch {
            throw ClientError.malformedServerResponse("response body larger than \(limit) bytes or cut off")
        }
    }

    /// Throws the server's JSON error for a non-2xx status.
    static func check(status: HTTPResponseStatus, body: [UInt8]) throws {
        guard !(200..<300).contains(status.code) else { return }
        guard let error = try? JSONDecoder().decode(ErrorResponse.self, from: Data(body)) else {
            throw ClientError.serverRejected(status: Int(status.code), code: "unknown", message: status.reasonPhrase)
        }
        throw ClientError.serverRejected(status: Int(status.code), code: error.error, message: error.message)
    }
}

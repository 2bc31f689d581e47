import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import ParleyCrypto
import ParleyKeyServer
import Testing

/// A response as the tests look at it.
struct Reply: Sendable {
    let status: Int
    let body: [UInt8]
    let contentType: String?
    /// The `Retry-After` header as a number of seconds.
    var retryAfter: Int? = nil

    /// The body as a JSON object (empty when it is not one).
    var json: [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] ?? [:]
    }

    /// The `error` code of a JSON error body.
    var errorCode: String? { json["error"] as? String }
}

/// Sends signed and unsigned requests to an in-process server.
struct TestAPI: Sendable {
    let client: any TestClientProtocol
    let clock: TestClock

    /// Sends a request; signs it as `device` unless nil.
    @discardableResult
    func call(
        _ method: HTTPRequest.Method, _ path: String, json: Any? = nil, raw: [UInt8]? = nil, as device: TestDevice? = nil,
        timestamp: Int64? = nil, signer: TestDevice? = nil
    ) async throws -> Reply {
        let body: [UInt8]
        if let raw {
            body = raw
        } else if let json {
            body = Array(try JSONSerialization.data(withJSONObject: json))
        } else {
            body = []
        }
        var headers = HTTPFields()
        if let device {
            headers = signedHeaders(method, path, body: body, as: device, timestamp: timestamp, signer: signer)
        }
        if !body.isEmpty { headers[.contentType] = "application/json" }
        return try await send(method, path, headers: headers, body: body)
    }

    /// The three `Parley-*` headers of a request signed as `device` (by `signer`'s key if given).
    func signedHeaders(
        _ method: HTTPRequest.Method, _ path: String, body: [UInt8] = [], as device: TestDevice, timestamp: Int64? = nil,
        signer: TestDevice? = nil
    ) -> HTTPFields {
        var headers = HTTPFields()
        let stamp = String(timestamp ?? clock.now())
        let input = RequestSignature.signingInput(method: method.rawValue, pathWithQuery: path, timestamp: stamp, body: body)
        headers[HTTPField.Name("Parley-Device")!] = device.address
        headers[HTTPField.Name("Parley-Timestamp")!] = stamp
        headers[HTTPField.Name("Parley-Signature")!] = b64((signer ?? device).key.signature(for: input))
        // An upload names the digest its signature covers (Specs/server-api.md §5.5).
        if method == .put, path == "/v1/attachments" {
            headers[HTTPField.Name(RequestSignature.contentDigestHeader)!] = Hex.encode(SHA256.hash(body))
        }
        return headers
    }

    /// Sends exactly these headers and body.
    func send(_ method: HTTPRequest.Method, _ path: String, headers: HTTPFields, body: [UInt8]) async throws -> Reply {
        try await client.execute(
            uri: path, method: method, headers: headers, body: body.isEmpty ? nil : ByteBuffer(bytes: body)
        ) { response in
            Reply(
                status: Int(response.status.code), body: Array(response.body.readableBytesView),
                contentType: response.headers[.contentType], retryAfter: response.headers[.retryAfter].flatMap { Int($0) })
        }
    }

    /// Registers `account` with `device` and expects 201.
    func register(_ account: TestAccount, _ device: TestDevice) async throws {
        let reply = try await call(.post, "/v1/accounts", json: account.registration(device), as: device)
        #expect(reply.status == 201, "registration: \(reply.status) \(reply.errorCode ?? "")")
    }

    /// A registered user with one device that has a signed prekey and `oneTime` one-time prekeys.
    func readyUser(_ name: String, oneTime: Int = 0, pqLastResort: Bool = true) async throws -> (TestAccount, TestDevice) {
        let account = TestAccount(name)
        let device = try account.device(1)
        try await register(account, device)
        #expect(try await call(.put, "/v1/keys/signed-prekey", json: device.signedPreKey().body, as: device).status == 204)
        // Claimable as a Parley-v2 client makes itself (claims leave out devices without a PQ prekey).
        if pqLastResort {
            #expect(try await call(.put, "/v1/keys/pq-last-resort", json: device.pqPreKey(), as: device).status == 204)
        }
        var left = oneTime
        while left > 0 {
            let batch = min(left, 100)
            #expect(try await call(.post, "/v1/keys/one-time", json: ["keys": oneTimeKeys(batch)], as: device).status == 200)
            left -= batch
        }
        return (account, device)
    }
}

/// Runs `body` against a fresh server on `backend`: in-process by default, or `.live` on
/// 127.0.0.1 with a free port.
func withServer<T: Sendable>(
    _ backend: Backend, limits: ServerLimits = ServerLimits(), setup: TestingSetup = .router, dataDirectory: URL? = nil,
    _ body: @Sendable (TestAPI) async throws -> T
) async throws -> T {
    try await backend.withStorage { storage in
        try await withServer(storage: storage, limits: limits, setup: setup, dataDirectory: dataDirectory, body)
    }
}

/// Runs `body` against a server on `storage` (several servers may share one PostgreSQL database).
func withServer<T: Sendable>(
    storage: any KeyServerStorage, limits: ServerLimits = ServerLimits(), setup: TestingSetup = .router,
    clock: TestClock = TestClock(), dataDirectory: URL? = nil, notifier: any MailboxNotifier = InProcessMailboxNotifier(),
    _ body: @Sendable (TestAPI) async throws -> T
) async throws -> T {
    let data = dataDirectory ?? temporaryDirectory("parley-server-data")
    defer { if dataDirectory == nil { try? FileManager.default.removeItem(at: data) } }
    let configuration = KeyServerConfiguration(
        host: "127.0.0.1", port: 0, limits: limits, clock: clock.serverClock, dataDirectory: data.path)
    let app = buildApplication(configuration: configuration, storage: storage, notifier: notifier)
    return try await app.test(setup) { client in try await body(TestAPI(client: client, clock: clock)) }
}

/// A new, unique path under the system's temporary directory (not created).
func temporaryDirectory(_ prefix: String) -> URL {
    FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)", isDirectory: true)
}

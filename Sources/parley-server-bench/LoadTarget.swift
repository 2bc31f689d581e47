import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import ParleyCrypto
import ParleyKeyServer

/// A server on 127.0.0.1 and how to sign requests to it.
struct LoadTarget: Sendable {
    let port: Int
}

/// A reply's status and JSON body.
struct LoadReply: Sendable {
    let status: Int
    let body: [UInt8]

    var json: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] ?? [:] }
}

/// A request encoded and signed ahead of time: the load generator signs before it starts the
/// clock, so that its own Ed25519 signing does not compete with the server it measures.
struct PreparedCall: Sendable {
    let method: HTTPRequest.Method
    let path: String
    let headers: HTTPFields
    let body: [UInt8]
}

/// One registered device with its own keep-alive connection.
final class LoadDevice: @unchecked Sendable {
    let user: String
    let key: Ed25519.PrivateKey
    let client: TestClient
    private let lock = NSLock()
    private var lastTimestamp: Int64 = 0

    init(user: String, key: Ed25519.PrivateKey, target: LoadTarget) {
        self.user = user
        self.key = key
        client = TestClient(host: "127.0.0.1", port: target.port, configuration: .init(timeout: .seconds(10)))
        client.connect()
    }

    /// A strictly increasing millisecond timestamp (identical requests must not share one).
    private func timestamp() -> Int64 {
        lock.lock()
        defer { lock.unlock() }
        lastTimestamp = max(Int64(Date().timeIntervalSince1970 * 1000), lastTimestamp + 1)
        return lastTimestamp
    }

    /// The three `Parley-*` headers signing a request by this device.
    func signedHeaders(_ method: HTTPRequest.Method, _ path: String, body: [UInt8]) -> HTTPFields {
        var headers = HTTPFields()
        let stamp = String(timestamp())
        let input = RequestSignature.signingInput(method: method.rawValue, pathWithQuery: path, timestamp: stamp, body: body)
        if let name = HTTPField.Name("Parley-Device") { headers[name] = "\(user)/1" }
        if let name = HTTPField.Name("Parley-Timestamp") { headers[name] = stamp }
        if let name = HTTPField.Name("Parley-Signature") { headers[name] = Data(key.signature(for: input)).base64EncodedString() }
        return headers
    }

    /// Encodes and signs a request by this device now, to be sent later with ``send(_:)``
    /// (unsigned when `signed` is false).
    func prepare(_ method: HTTPRequest.Method, _ path: String, json: Any? = nil, signed: Bool = true) throws -> PreparedCall {
        let body = try json.map { Array(try JSONSerialization.data(withJSONObject: $0)) } ?? []
        var headers = signed ? signedHeaders(method, path, body: body) : HTTPFields()
        if !body.isEmpty { headers[.contentType] = "application/json" }
        return PreparedCall(method: method, path: path, headers: headers, body: body)
    }

    /// Sends a prepared request on this device's connection.
    func send(_ call: PreparedCall) async throws -> LoadReply {
        let response = try await client.execute(
            TestClient.Request(
                call.path, method: call.method, headers: call.headers,
                body: call.body.isEmpty ? nil : ByteBuffer(bytes: call.body)))
        return LoadReply(status: Int(response.head.status.code), body: response.body.map { Array($0.readableBytesView) } ?? [])
    }

    /// Encodes, signs and sends a request by this device (unsigned when `signed` is false).
    func call(_ method: HTTPRequest.Method, _ path: String, json: Any? = nil, signed: Bool = true) async throws -> LoadReply {
        try await send(try prepare(method, path, json: json, signed: signed))
    }

    func close() async {
        try? await client.shutdown()
    }
}

import Foundation
import Hummingbird
import ParleyCrypto

/// Reading bodies and fields from outside: every failure is a typed 4xx ``ServerError``.
enum JSONInput {
    /// Collects the whole body, refusing more than `limit` bytes.
    /// - Throws: ``ServerError/bodyTooLarge(limit:)``; ``ServerError/malformedRequest`` when the
    ///   body cannot be read (cut short, a bad chunk size): the client's fault, never a 5xx.
    static func collect(_ request: Request, limit: Int) async throws(ServerError) -> [UInt8] {
        do {
            let buffer = try await request.body.collect(upTo: limit)
            return Array(buffer.readableBytesView)
        } catch let error as any HTTPResponseError where error.status == .contentTooLarge {
            throw .bodyTooLarge(limit: limit)
        } catch {
            throw .malformedRequest
        }
    }

    /// One decoder for every request (it keeps no state between calls).
    private static let decoder = JSONDecoder()

    /// Decodes a JSON body of type `T`.
    static func decode<T: Decodable>(_ type: T.Type, from body: [UInt8]) throws(ServerError) -> T {
        do {
            return try decoder.decode(type, from: Data(body))
        } catch {
            throw .malformedJSON
        }
    }

    /// Standard base64 (with padding) to bytes.
    static func base64(_ text: String, field: String) throws(ServerError) -> [UInt8] {
        guard let data = Data(base64Encoded: text) else { throw .invalidBase64(field: field) }
        return Array(data)
    }

    /// A base64 Ed25519 public key.
    static func ed25519Key(_ text: String, field: String) throws(ServerError) -> Ed25519.PublicKey {
        let bytes = try base64(text, field: field)
        do {
            return try Ed25519.PublicKey(rawRepresentation: bytes)
        } catch {
            throw .invalidKey(field: field)
        }
    }

    /// A base64 X25519 public key (canonical encoding).
    static func x25519Key(_ text: String, field: String) throws(ServerError) -> X25519.PublicKey {
        let bytes = try base64(text, field: field)
        do {
            return try X25519.PublicKey(rawRepresentation: bytes)
        } catch {
            throw .invalidKey(field: field)
        }
    }

    /// A base64 Ed25519 signature (64 bytes).
    static func signature(_ text: String, field: String, error: ServerError) throws(ServerError) -> [UInt8] {
        let bytes = try base64(text, field: field)
        guard bytes.count == Ed25519.signatureByteCount else { throw error }
        return bytes
    }
}

/// Building JSON responses.
enum JSONOutput {
    /// Sorted keys: stable bodies (`{"error":…,"message":…}`) for clients and tests. One encoder
    /// for every response (it keeps no state between calls).
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    /// A JSON response with `status`.
    static func response(_ value: some Encodable, status: HTTPResponse.Status = .ok) -> Response {
        let bytes = (try? JSONOutput.encoder.encode(value)).map { Array($0) } ?? Array("{}".utf8)
        return raw(bytes, status: status)
    }

    /// A response with an already-encoded JSON body.
    static func raw(_ bytes: [UInt8], status: HTTPResponse.Status) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    /// Base64 of bytes.
    static func base64(_ bytes: [UInt8]) -> String { Data(bytes).base64EncodedString() }
}

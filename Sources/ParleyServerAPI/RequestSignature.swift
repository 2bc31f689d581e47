import ParleyCrypto

/// The signed-request scheme (Specs/server-api.md §2).
///
/// `Parley-Signature` = base64(Ed25519 signature by the device identity key over
/// `"parley-auth-v1\n" + METHOD + "\n" + path-with-query + "\n" + timestamp + "\n" + hex(SHA-256(body))`).
public enum RequestSignature {
    /// Header naming the calling device, `USER/DEVICE`.
    public static let deviceHeader = "Parley-Device"
    /// Header with the signing time in Unix milliseconds.
    public static let timestampHeader = "Parley-Timestamp"
    /// Header with the base64 signature.
    public static let signatureHeader = "Parley-Signature"
    /// Header of an attachment upload with the body's SHA-256 in lowercase hex: the server
    /// verifies the signature over it before reading the body, then checks the body against it.
    public static let contentDigestHeader = "Parley-Content-SHA256"

    /// The exact string a device signs for one request.
    /// - Parameters:
    ///   - method: the HTTP method, as sent (`GET`, `PUT`, ...).
    ///   - pathWithQuery: the request target as sent, e.g. `/v1/messages?limit=10`.
    ///   - timestamp: the `Parley-Timestamp` value as sent.
    ///   - body: the request body bytes (empty for none).
    /// - Returns: the bytes to sign or verify.
    public static func signingInput(method: String, pathWithQuery: String, timestamp: String, body: [UInt8]) -> [UInt8] {
        signingInput(method: method, pathWithQuery: pathWithQuery, timestamp: timestamp, bodyDigest: SHA256.hash(body))
    }

    /// The exact string a device signs, from the body's SHA-256 digest (for streamed bodies,
    /// hashed as they arrive).
    /// - Parameters:
    ///   - method: the HTTP method, as sent.
    ///   - pathWithQuery: the request target as sent.
    ///   - timestamp: the `Parley-Timestamp` value as sent.
    ///   - bodyDigest: SHA-256 of the request body bytes.
    /// - Returns: the bytes to sign or verify.
    public static func signingInput(method: String, pathWithQuery: String, timestamp: String, bodyDigest: [UInt8]) -> [UInt8] {
        SignatureDomain.request + Array("\(method)\n\(pathWithQuery)\n\(timestamp)\n\(Hex.encode(bodyDigest))".utf8)
    }
}

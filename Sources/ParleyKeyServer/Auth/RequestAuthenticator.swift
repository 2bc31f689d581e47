import Foundation
import Hummingbird
import ParleyCrypto

/// Checks a request's `Parley-*` headers and returns the device that signed it.
///
/// Order of checks: headers present and well-formed (`auth_required`), timestamp inside the
/// window (`auth_stale_timestamp`), device known (`auth_unknown_device`), signature
/// (`auth_bad_signature`), then the route's own checks of the body (``authenticate(_:body:presentedKey:validate:)``),
/// then signature not seen before (`auth_replayed`). The replay record is the only state written,
/// and only for a request that passed every check that can be made before acting on it: a request
/// refused anyway costs no room in the replay cache.
public struct RequestAuthenticator: Sendable {
    let storage: any KeyServerStorage
    let clock: ServerClock
    let windowMilliseconds: Int64

    /// Creates an authenticator.
    /// - Parameters:
    ///   - storage: where device keys and the replay cache live.
    ///   - clock: the server's clock.
    ///   - windowMilliseconds: the allowed clock difference, also the replay records' lifetime.
    public init(storage: any KeyServerStorage, clock: ServerClock, windowMilliseconds: Int64) {
        self.storage = storage
        self.clock = clock
        self.windowMilliseconds = windowMilliseconds
    }

    /// Authenticates a request signed by a registered device.
    /// - Parameters:
    ///   - request: the request (its head).
    ///   - body: the whole body as received.
    /// - Returns: the calling device.
    /// - Throws: one of the 401 cases of ``ServerError``.
    public func authenticate(_ request: Request, body: [UInt8]) async throws -> AuthenticatedDevice {
        try await authenticate(request, body: body, presentedKey: nil)
    }

    /// Authenticates a request signed by a device that is not registered yet, with the identity key
    /// it presents in the body (proof of possession on registration), or, with `presentedKey` nil,
    /// by a registered device, running the route's checks of the body before the replay record.
    /// - Parameters:
    ///   - request: the request (its head).
    ///   - body: the whole body as received.
    ///   - presentedKey: the identity key in the body; nil for a registered device's own key.
    ///   - validate: the route's checks of the body against the signer, run once the signature
    ///     verified and before the replay record is written; what it throws is thrown and nothing
    ///     is recorded.
    /// - Returns: the device named in `Parley-Device`.
    /// - Throws: one of the 401 cases of ``ServerError``, or what `validate` throws.
    public func authenticate(
        _ request: Request, body: [UInt8], presentedKey: Ed25519.PublicKey?,
        validate: (DeviceAddress) async throws -> Void = { _ in }
    ) async throws -> AuthenticatedDevice {
        let pending = try await prepare(request, presentedKey: presentedKey)
        try verify(pending, bodyDigest: SHA256.hash(body))
        try await validate(pending.headers.device)
        return try await record(pending)
    }

    /// The checks that need no body: headers, timestamp window, known device. A streamed upload
    /// runs these before reading its body, and ``finish(_:bodyDigest:)`` after.
    /// - Parameters:
    ///   - request: the request (its head).
    ///   - presentedKey: the identity key in the body, for registrations; nil otherwise.
    /// - Returns: what the signature check needs.
    /// - Throws: `auth_required`, `auth_stale_timestamp`, `auth_unknown_device` (``ServerError``).
    func prepare(_ request: Request, presentedKey: Ed25519.PublicKey? = nil) async throws -> PendingAuthentication {
        let headers = try SignedHeaders(request.headers)
        let now = clock.now()
        guard abs(now - headers.timestamp) <= windowMilliseconds else { throw ServerError.staleTimestamp }
        let identityKey: Ed25519.PublicKey
        if let presentedKey {
            identityKey = presentedKey
        } else {
            guard let known = try await storage.identityKey(of: headers.device) else {
                throw ServerError.unknownCallingDevice
            }
            identityKey = known
        }
        return PendingAuthentication(
            headers: headers, identityKey: identityKey, isRegistration: presentedKey != nil, method: request.method.rawValue,
            pathWithQuery: request.head.path ?? "")
    }

    /// Verifies the signature over the body's digest, then records it against replay.
    /// - Parameters:
    ///   - pending: the result of ``prepare(_:presentedKey:)`` for this request.
    ///   - bodyDigest: SHA-256 of the whole body as received.
    /// - Returns: the calling device.
    /// - Throws: `auth_bad_signature`, `auth_replayed` (``ServerError``).
    func finish(_ pending: PendingAuthentication, bodyDigest: [UInt8]) async throws -> AuthenticatedDevice {
        try verify(pending, bodyDigest: bodyDigest)
        return try await record(pending)
    }

    /// Checks the signature over the body's digest; writes nothing.
    /// - Throws: `auth_bad_signature` (``ServerError``).
    private func verify(_ pending: PendingAuthentication, bodyDigest: [UInt8]) throws(ServerError) {
        let headers = pending.headers
        let input = RequestSignature.signingInput(
            method: pending.method, pathWithQuery: pending.pathWithQuery, timestamp: headers.timestampText,
            bodyDigest: bodyDigest)
        guard pending.identityKey.isValidSignature(headers.signature, for: input) else { throw .badSignature }
    }

    /// Records a verified signature against replay.
    /// - Throws: `auth_replayed`, `rate_limited` (a full replay cache) (``ServerError``).
    private func record(_ pending: PendingAuthentication) async throws -> AuthenticatedDevice {
        let headers = pending.headers
        guard
            try await storage.recordSignature(
                headers.signature, by: headers.device, registering: pending.isRegistration,
                expiresAt: headers.timestamp + windowMilliseconds, now: clock.now())
        else {
            throw ServerError.replayedSignature
        }
        return AuthenticatedDevice(address: headers.device, identityKey: pending.identityKey)
    }
}

/// A request whose headers, timestamp and device passed; its signature is not checked yet.
struct PendingAuthentication: Sendable {
    let headers: SignedHeaders
    let identityKey: Ed25519.PublicKey
    /// Signed with a key presented in the body, not a registered one.
    let isRegistration: Bool
    let method: String
    let pathWithQuery: String
}

/// The device that signed a request, with the key that verified it.
public struct AuthenticatedDevice: Sendable, Equatable {
    /// The calling device.
    public let address: DeviceAddress
    /// Its identity key.
    public let identityKey: Ed25519.PublicKey
}

/// The three `Parley-*` headers, parsed.
struct SignedHeaders: Sendable {
    let device: DeviceAddress
    let timestamp: Int64
    let timestampText: String
    let signature: [UInt8]

    init(_ fields: HTTPFields) throws(ServerError) {
        guard let deviceText = Self.single(RequestSignature.deviceHeader, in: fields),
            let device = DeviceAddress(header: deviceText),
            let timestampText = Self.single(RequestSignature.timestampHeader, in: fields),
            !timestampText.isEmpty, timestampText.utf8.count <= 16,
            timestampText.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
            let timestamp = Int64(timestampText),
            let signatureText = Self.single(RequestSignature.signatureHeader, in: fields)
        else { throw .authenticationRequired }
        guard let signature = Data(base64Encoded: signatureText), signature.count == Ed25519.signatureByteCount else {
            throw .badSignature
        }
        self.device = device
        self.timestamp = timestamp
        self.timestampText = timestampText
        self.signature = Array(signature)
    }

    /// The value of a header that appears exactly once.
    private static func single(_ name: String, in fields: HTTPFields) -> String? {
        let canonical = name.lowercased()
        var found: String?
        for field in fields where field.name.canonicalName == canonical {
            guard found == nil else { return nil }
            found = field.value
        }
        return found
    }
}

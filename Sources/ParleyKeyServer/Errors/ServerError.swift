import Hummingbird

/// Every error the key server answers with; each case owns its HTTP status and its JSON code.
///
/// The body is always `{"error": CODE, "message": TEXT}` (Specs/server-api.md §3). Authentication
/// failures say which check failed and nothing more. The mapping from lower layers' errors to these
/// cases is in one place, ``ServerError/init(mapping:)``.
public enum ServerError: Error, Sendable, Equatable {
    // 400
    /// The body is not JSON of the expected shape (syntax, missing field, wrong type, out of range).
    case malformedJSON
    /// A user id is not 3–32 characters of `[a-z0-9._-]`.
    case invalidUserID
    /// A field that holds bytes is not standard base64.
    case invalidBase64(field: String)
    /// A key has the wrong length or is not a valid public key.
    case invalidKey(field: String)
    /// A device certificate does not verify under the account key.
    case invalidCertificate
    /// A prekey signature (signed or PQ prekey) does not verify under the device identity key.
    case invalidSignature
    /// A new device's `link_proof` does not verify under its identity key.
    case invalidLinkProof
    /// The `Parley-Device` header names another device than the body registers.
    case deviceMismatch
    /// A new device must be registered by an existing device of its user, with its link proof.
    case linkProofRequired
    /// A signed device list is malformed, not signed by the account key, or does not name the
    /// device the request registers.
    case invalidDeviceList
    /// More one-time prekeys in one call than allowed.
    case tooManyKeys(limit: Int)
    /// More items in one call than allowed (messages, ids, devices).
    case tooManyItems(limit: Int)
    /// A path or query parameter is malformed or out of range.
    case invalidParameter(name: String)
    /// An empty message body.
    case emptyMessage
    /// An attachment body whose SHA-256 is not the one its `Parley-Content-SHA256` header named.
    case digestMismatch
    // 401
    /// No or malformed `Parley-Device` / `Parley-Timestamp` / `Parley-Signature` headers.
    case authenticationRequired
    /// The calling device is not registered.
    case unknownCallingDevice
    /// The request signature does not verify.
    case badSignature
    /// The timestamp is more than the replay window away from the server's clock.
    case staleTimestamp
    /// The same signature was already seen inside the replay window.
    case replayedSignature
    // 404
    /// No such route (or no such method on it).
    case routeNotFound
    /// No such user.
    case unknownUser
    /// No such device.
    case unknownDevice
    /// No such attachment, or it expired.
    case unknownAttachment
    // 408
    /// An upload that arrived slower than the minimum rate.
    case uploadTooSlow
    // 411
    /// An attachment upload without a `Content-Length`.
    case lengthRequired
    // 409
    /// The user id is registered already.
    case userTaken
    /// The device id is taken for this user.
    case deviceTaken
    /// A device would hold more one-time prekeys than allowed.
    case preKeyLimit(limit: Int)
    /// A recipient mailbox is full.
    case mailboxFull(limit: Int)
    /// The calling device holds its whole share of a recipient mailbox.
    case senderQuota(limit: Int)
    /// The identity key belongs to a device the user removed; it never comes back.
    case deviceRemoved
    /// The signed device list is not newer than the stored one.
    case staleDeviceList
    /// The signed device list names a device that is not registered with that key.
    case deviceListMismatch
    // 413
    /// The request body is larger than the server accepts.
    case bodyTooLarge(limit: Int)
    /// One message body is larger than allowed.
    case messageTooLarge(limit: Int)
    // 429
    /// The calling device's token bucket for this kind of request is empty.
    case rateLimited(retryAfterSeconds: Int)
    /// The calling device has as many `GET /v1/stream` sockets open as it may.
    case tooManyStreams(limit: Int)
    // 400, 408, 431: the request itself is not HTTP the server reads (answered, then closed).
    /// The bytes are not a valid HTTP/1.1 request (method, framing, chunk sizes, a body cut short).
    case malformedRequest
    /// The request line and headers are larger than the server reads.
    case headersTooLarge
    /// The request's headers did not arrive in time.
    case requestTimeout
    // 500
    /// A server-side failure (storage); details go to the log, not to the client.
    case internalError

    /// The HTTP status of this error.
    public var status: HTTPResponse.Status {
        switch self {
        case .malformedJSON, .invalidUserID, .invalidBase64, .invalidKey, .invalidCertificate, .invalidSignature,
            .invalidLinkProof, .linkProofRequired, .invalidDeviceList,
            .deviceMismatch, .tooManyKeys, .tooManyItems, .invalidParameter, .emptyMessage, .digestMismatch, .malformedRequest:
            .badRequest
        case .headersTooLarge: .requestHeaderFieldsTooLarge
        case .requestTimeout: .requestTimeout
        case .authenticationRequired, .unknownCallingDevice, .badSignature, .staleTimestamp, .replayedSignature:
            .unauthorized
        case .routeNotFound, .unknownUser, .unknownDevice, .unknownAttachment: .notFound
        case .uploadTooSlow: .requestTimeout
        case .lengthRequired: .lengthRequired
        case .userTaken, .deviceTaken, .preKeyLimit, .mailboxFull, .senderQuota, .deviceRemoved, .staleDeviceList,
            .deviceListMismatch:
            .conflict
        case .bodyTooLarge, .messageTooLarge: .contentTooLarge
        case .rateLimited, .tooManyStreams: .tooManyRequests
        case .internalError: .internalServerError
        }
    }

    /// The stable machine-readable code (`error` in the JSON body).
    public var code: String {
        switch self {
        case .malformedJSON: "malformed_json"
        case .invalidUserID: "invalid_user_id"
        case .invalidBase64: "invalid_base64"
        case .invalidKey: "invalid_key"
        case .invalidCertificate: "invalid_certificate"
        case .invalidLinkProof: "invalid_link_proof"
        case .invalidSignature: "invalid_signature"
        case .deviceMismatch: "device_mismatch"
        case .linkProofRequired: "link_proof_required"
        case .invalidDeviceList: "invalid_device_list"
        case .tooManyKeys: "too_many_keys"
        case .tooManyItems: "too_many_items"
        case .invalidParameter: "invalid_parameter"
        case .emptyMessage: "empty_message"
        case .digestMismatch: "digest_mismatch"
        case .uploadTooSlow: "upload_too_slow"
        case .lengthRequired: "length_required"
        case .authenticationRequired: "auth_required"
        case .unknownCallingDevice: "auth_unknown_device"
        case .badSignature: "auth_bad_signature"
        case .staleTimestamp: "auth_stale_timestamp"
        case .replayedSignature: "auth_replayed"
        case .routeNotFound: "not_found"
        case .unknownUser: "unknown_user"
        case .unknownDevice: "unknown_device"
        case .unknownAttachment: "unknown_attachment"
        case .userTaken: "user_taken"
        case .deviceTaken: "device_taken"
        case .preKeyLimit: "prekey_limit"
        case .mailboxFull: "mailbox_full"
        case .senderQuota: "sender_quota"
        case .deviceRemoved: "device_removed"
        case .staleDeviceList: "stale_device_list"
        case .deviceListMismatch: "device_list_mismatch"
        case .bodyTooLarge: "body_too_large"
        case .messageTooLarge: "message_too_large"
        case .rateLimited: "rate_limited"
        case .tooManyStreams: "too_many_streams"
        case .malformedRequest: "malformed_request"
        case .headersTooLarge: "headers_too_large"
        case .requestTimeout: "request_timeout"
        case .internalError: "internal"
        }
    }

    /// A human-readable sentence (`message` in the JSON body); public numbers only.
    public var message: String {
        switch self {
        case .malformedJSON: "The body is not JSON of the expected shape."
        case .invalidUserID: "A user id is 3 to 32 characters of a-z, 0-9, '.', '_' and '-'."
        case .invalidBase64(let field): "Field '\(field)' is not standard base64."
        case .invalidKey(let field): "Field '\(field)' is not a valid public key of the expected length."
        case .invalidCertificate: "The device certificate does not verify under the account key."
        case .invalidLinkProof: "The link proof does not verify under the new device's identity key."
        case .invalidSignature: "A prekey signature is not 64 bytes or does not verify under the device identity key."
        case .deviceMismatch: "The Parley-Device header does not name the device in the body."
        case .linkProofRequired:
            "A new device is registered by an existing device of its user, with the new device's link_proof."
        case .invalidDeviceList:
            "The device list is malformed, not signed by the account key, or does not name the registered device."
        case .tooManyKeys(let limit): "At most \(limit) one-time prekeys of one kind (one-time or one-time PQ) per call."
        case .tooManyItems(let limit): "At most \(limit) items per call."
        case .invalidParameter(let name): "Parameter '\(name)' is malformed or out of range."
        case .emptyMessage: "A message body must not be empty."
        case .digestMismatch: "The attachment body does not have the SHA-256 its Parley-Content-SHA256 header names."
        case .uploadTooSlow: "The upload arrived slower than the server's minimum rate."
        case .lengthRequired: "An attachment upload must declare its Content-Length."
        case .authenticationRequired: "The request must carry Parley-Device, Parley-Timestamp and Parley-Signature."
        case .unknownCallingDevice: "Authentication failed: unknown device."
        case .badSignature: "Authentication failed: bad signature."
        case .staleTimestamp: "Authentication failed: timestamp outside the allowed window."
        case .replayedSignature: "Authentication failed: signature already used."
        case .routeNotFound: "No such route."
        case .unknownUser: "No such user."
        case .unknownDevice: "No such device."
        case .unknownAttachment: "No such attachment, or it expired."
        case .userTaken: "This user id is taken."
        case .deviceTaken: "This device id is taken for this user."
        case .preKeyLimit(let limit): "A device holds at most \(limit) one-time prekeys of this kind (one-time or one-time PQ)."
        case .mailboxFull(let limit): "A recipient mailbox is full (at most \(limit) messages)."
        case .senderQuota(let limit):
            "This device has \(limit) messages pending in a recipient mailbox, its most; retry once they are fetched."
        case .deviceRemoved: "A device with this identity key was removed from this user; it cannot be added again."
        case .staleDeviceList: "The device list's version is not higher than the stored list's."
        case .deviceListMismatch: "The device list names a device that is not registered with that identity key."
        case .bodyTooLarge(let limit): "The request body is larger than \(limit) bytes."
        case .messageTooLarge(let limit): "A message body is larger than \(limit) bytes."
        case .rateLimited(let seconds): "Too many requests of this kind from this device; retry after \(seconds) s."
        case .tooManyStreams(let limit): "This device has \(limit) streams open, its most."
        case .malformedRequest: "The request is not valid HTTP/1.1."
        case .headersTooLarge: "The request line and headers are too large."
        case .requestTimeout: "The request's headers did not arrive in time."
        case .internalError: "Internal server error."
        }
    }
}

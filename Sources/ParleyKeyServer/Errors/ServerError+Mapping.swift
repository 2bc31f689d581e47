import Foundation
import Hummingbird

extension ServerError {
    /// The one place that turns any error into the server's answer.
    ///
    /// Decoding errors become ``malformedJSON``; Hummingbird's own errors keep their 4xx meaning
    /// (404 route, 413 body); ``DirectoryError`` maps case by case; anything else is
    /// ``internalError`` (logged by the caller, never shown to the client).
    /// - Parameter error: what a handler threw.
    public init(mapping error: any Error) {
        switch error {
        case let error as ServerError:
            self = error
        case let error as DirectoryError:
            switch error {
            case .userTaken: self = .userTaken
            case .deviceTaken: self = .deviceTaken
            case .unknownUser: self = .unknownUser
            case .unknownDevice: self = .unknownDevice
            case .preKeyLimit(let limit): self = .preKeyLimit(limit: limit)
            case .mailboxFull(let limit): self = .mailboxFull(limit: limit)
            case .senderQuota(let limit): self = .senderQuota(limit: limit)
            case .deviceRemoved: self = .deviceRemoved
            case .staleDeviceList: self = .staleDeviceList
            case .deviceListMismatch: self = .deviceListMismatch
            }
        case is DecodingError:
            self = .malformedJSON
        case let error as any HTTPResponseError:
            switch error.status {
            case .notFound, .methodNotAllowed: self = .routeNotFound
            case .contentTooLarge: self = .bodyTooLarge(limit: ServerLimits().maxRequestBytes)
            case .unauthorized: self = .authenticationRequired
            default: self = error.status.code < 500 ? .malformedJSON : .internalError
            }
        default:
            self = .internalError
        }
    }

    /// The whole error response: status, JSON body, and `Retry-After` for ``rateLimited(retryAfterSeconds:)``.
    var response: Response {
        var response = JSONOutput.raw(jsonBody, status: status)
        if case .rateLimited(let seconds) = self {
            response.headers[.retryAfter] = String(max(1, seconds))
        }
        return response
    }

    /// The JSON error body `{"error": CODE, "message": TEXT}`.
    var jsonBody: [UInt8] {
        let body = ErrorResponse(error: code, message: message)
        return (try? JSONOutput.encoder.encode(body)).map { Array($0) } ?? Array(#"{"error":"internal","message":""}"#.utf8)
    }
}

import HTTPTypes
import Hummingbird
import ParleyCrypto

extension KeyServerRoutes {
    /// `PUT /v1/attachments`: checks the headers, the declared length and the signature over the
    /// declared SHA-256 (`Parley-Content-SHA256`) before reading any of the body, admits the upload
    /// (concurrency and byte budget), then streams the body to a file, hashing it; only a body
    /// with the declared digest is kept (Specs/server-api.md §5.5).
    func uploadAttachment(_ request: Request, context: some RequestContext) async throws -> Response {
        let pending = try await authenticator.prepare(request)
        let limit = limits.maxAttachmentBytes
        guard let lengthText = request.headers[.contentLength], let length = Self.decimalInt64(lengthText) else {
            throw ServerError.lengthRequired
        }
        guard length <= Int64(limit) else { throw ServerError.bodyTooLarge(limit: limit) }
        guard let digestName = HTTPField.Name(RequestSignature.contentDigestHeader),
            let digestText = request.headers[digestName], digestText.utf8.count == 64,
            let declared = Hex.decode(digestText), digestText == Hex.encode(declared)
        else { throw ServerError.invalidParameter(name: RequestSignature.contentDigestHeader) }
        // An unauthenticated client is turned away here, before it can put a byte on the disk.
        let caller = try await authenticator.finish(pending, bodyDigest: declared)
        let ticket = try uploadGate.admit(caller.address, bytes: length, now: clock.now())
        defer { uploadGate.release(ticket) }
        let received = try await attachments.receive(
            request.body, limit: Int(length), minimumRate: limits.minUploadBytesPerSecond,
            graceMilliseconds: limits.uploadGraceMilliseconds, context: context)
        let id: AttachmentID
        do {
            guard received.digest == declared else { throw ServerError.digestMismatch }
            id = try attachments.commit(received, createdAt: clock.now())
        } catch {
            attachments.discard(received.partPath)
            throw error
        }
        return JSONOutput.response(AttachmentResponse(id: id.text), status: .created)
    }

    /// `GET /v1/attachments/{id}`: the file, streamed; unknown or expired ids are 404.
    func downloadAttachment(_ request: Request, id text: String?, context: some RequestContext) async throws -> Response {
        _ = try await authenticated(request)
        guard let text, let id = AttachmentID(text) else { throw ServerError.unknownAttachment }
        guard let createdAt = attachments.createdAt(of: id), createdAt >= clock.now() - limits.attachmentTTLMilliseconds else {
            throw ServerError.unknownAttachment
        }
        let body: ResponseBody
        do {
            body = try await attachments.fileIO.loadFile(path: attachments.path(of: id), context: context)
        } catch {
            // Removed between the check and the read (expiry sweep).
            throw ServerError.unknownAttachment
        }
        var headers = HTTPFields()
        headers[.contentType] = "application/octet-stream"
        return Response(status: .ok, headers: headers, body: body)
    }
}

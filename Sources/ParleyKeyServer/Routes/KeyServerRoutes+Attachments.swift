import Hummingbird

extension KeyServerRoutes {
    /// `PUT /v1/attachments`: streams the body to a file, then checks the signature over the
    /// SHA-256 computed while streaming; only a verified upload is kept (Specs/server-api.md §5.5).
    func uploadAttachment(_ request: Request, context: some RequestContext) async throws -> Response {
        // Headers, timestamp and device first: an unauthenticated client streams nothing to disk.
        let pending = try await authenticator.prepare(request)
        let limit = limits.maxAttachmentBytes
        if let declared = request.headers[.contentLength], let length = Int(declared), length > limit {
            throw ServerError.bodyTooLarge(limit: limit)
        }
        let received = try await attachments.receive(request.body, limit: limit, context: context)
        let id: AttachmentID
        do {
            _ = try await authenticator.finish(pending, bodyDigest: received.digest)
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

import Hummingbird

extension KeyServerRoutes {
    /// `PUT /v1/messages`: stores ciphertexts for recipient devices, all or nothing.
    func send(_ request: Request) async throws -> Response {
        let (caller, body) = try await authenticated(request)
        try sendLimiter.take(for: caller.address)
        let input = try JSONInput.decode(SendRequest.self, from: body)
        guard input.messages.count <= limits.maxMessagesPerCall else {
            throw ServerError.tooManyItems(limit: limits.maxMessagesPerCall)
        }
        var outgoing: [OutgoingEnvelope] = []
        outgoing.reserveCapacity(input.messages.count)
        for (index, message) in input.messages.enumerated() {
            let user = try UserID(validating: message.user)
            let bytes = try JSONInput.base64(message.body, field: "messages[\(index)].body")
            guard !bytes.isEmpty else { throw ServerError.emptyMessage }
            guard bytes.count <= limits.maxMessageBytes else { throw ServerError.messageTooLarge(limit: limits.maxMessageBytes) }
            outgoing.append(OutgoingEnvelope(recipient: DeviceAddress(user: user, device: message.device), body: bytes))
        }
        let now = clock.now()
        let ids = try await storage.enqueue(
            outgoing, from: caller.address, at: now, mailboxLimit: limits.maxMailboxDepth, senderQuota: limits.maxPendingPerSender
        )
        // After the commit: a pushed envelope is always one a fetch returns.
        await notifier.publish(
            zip(ids, outgoing).map { id, message in
                Envelope(id: id, recipient: message.recipient, sender: caller.address, timestamp: now, body: message.body)
            })
        return JSONOutput.response(SendResponse(ids: ids))
    }

    /// `GET /v1/messages?limit=N&after=ID`: the caller's pending envelopes, oldest first; with
    /// `after`, only those with a larger id (to page through a mailbox without acknowledging).
    func fetch(_ request: Request) async throws -> Response {
        let (caller, _) = try await authenticated(request)
        var limit = limits.defaultFetchLimit
        if let text = request.uri.queryParameters["limit"] {
            guard let value = Self.decimalUInt32(String(text)), value >= 1, value <= limits.maxFetchLimit else {
                throw ServerError.invalidParameter(name: "limit")
            }
            limit = Int(value)
        }
        var after: Int64 = 0
        if let text = request.uri.queryParameters["after"] {
            guard let value = Self.decimalInt64(String(text)) else { throw ServerError.invalidParameter(name: "after") }
            after = value
        }
        let envelopes = try await storage.pendingEnvelopes(
            for: caller.address, limit: limit, notBefore: clock.now() - limits.messageTTLMilliseconds, after: after)
        return JSONOutput.response(FetchResponse(messages: envelopes.map(EnvelopeJSON.init)))
    }

    /// `POST /v1/messages/ack`: deletes envelopes from the caller's mailbox.
    func acknowledge(_ request: Request) async throws -> Response {
        let (caller, body) = try await authenticated(request)
        let input = try JSONInput.decode(AckRequest.self, from: body)
        guard input.ids.count <= limits.maxFetchLimit else { throw ServerError.tooManyItems(limit: limits.maxFetchLimit) }
        let deleted = try await storage.acknowledge(input.ids, for: caller.address)
        return JSONOutput.response(AckResponse(acknowledged: deleted))
    }
}

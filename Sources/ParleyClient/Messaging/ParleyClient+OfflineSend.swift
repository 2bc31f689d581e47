import ParleyCrypto
import ParleyProtocol
import ParleyServerAPI
import ParleyStore

/// Writing while the server cannot be reached: nothing written is lost (Specs/client.md,
/// "Sending while the server is unreachable").
extension ParleyClient {
    /// Encrypts `body` for the devices of `recipient`'s last verified device list (and this
    /// account's other devices) that have a current session with the listed key, commits the
    /// envelopes to the outbox and the message to the history as pending, and throws
    /// ``ClientError/queuedWhileOffline(user:server:)``: the outbox delivers them on the next
    /// send or sync.
    /// - Throws: ``ClientError/firstMessageNeedsServer(user:server:)`` when no such device has a
    ///   session (a first message needs the server for the keys); nothing is stored then.
    func sendWhileOffline(_ body: MessageBody, to recipient: UserID, server: String) async throws -> MessageID {
        let user = recipient.rawValue
        let theirs = try await pinnedDevicesWithSessions(of: user)
        guard !theirs.isEmpty else { throw ClientError.firstMessageNeedsServer(user: user, server: server) }
        let sentAt = now()
        let payload = try makePayload(body, sentAt: sentAt, syncedTo: nil)
        let encoded = payload.encode()
        var envelopes = theirs.map { OutgoingPlaintext(encoded, to: $0) }
        if user != self.user {
            let ours = try await pinnedDevicesWithSessions(of: self.user).filter { $0 != address }
            if !ours.isEmpty {
                let copy = try makePayload(body, sentAt: sentAt, syncedTo: recipient, id: payload.id).encode()
                envelopes += ours.map { OutgoingPlaintext(copy, to: $0) }
            }
        }
        _ = try await store.send(envelopes, conversation: user, historyBody: encoded, timestamp: sentAt)
        throw ClientError.queuedWhileOffline(user: user, server: server)
    }

    /// The devices of `user`'s pinned device list (under an account key not marked changed)
    /// whose current session is with the listed identity key.
    private func pinnedDevicesWithSessions(of user: String) async throws -> [PeerAddress] {
        guard let contact = try await store.contact(user), contact.trust != .changed, let pin = contact.deviceList,
            let ids = pin.deviceIDs, ids.count == pin.keys.count
        else { return [] }
        var ready: [PeerAddress] = []
        for (id, key) in zip(ids, pin.keys) {
            let address = PeerAddress(user: user, device: id)
            guard let listed = try? Ed25519.PublicKey(rawRepresentation: key),
                try await store.sessionRecord(for: address)?.current?.remoteIdentityKey == listed
            else { continue }
            ready.append(address)
        }
        return ready
    }
}

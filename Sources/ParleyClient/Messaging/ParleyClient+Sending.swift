import Foundation
import ParleyCrypto
import ParleyProtocol
import ParleyServerAPI
import ParleyStore

/// Sending: one payload to every certified device of the recipient and to this user's other
/// devices, each over its own session, through the outbox.
extension ParleyClient {
    /// Sends a text message to `user`.
    /// - Returns: the message id (delivery receipts refer to it).
    /// - Throws: ``ClientError/safetyNumberChanged(_:)`` when `user`'s account key changed and was
    ///   not accepted; ``ClientError/unknownUser(_:)``; ``ClientError/noDevices(_:)``; after the
    ///   message was committed to the outbox (it is retried on the next send or sync):
    ///   ``ClientError/deliveryDeferred(user:code:)`` when the server refused it for now (a full
    ///   mailbox, this device's quota there, too many sends), and transport errors.
    @discardableResult
    public func send(text: String, to user: String) async throws -> MessageID {
        try await send(.text(text), to: user)
    }

    /// Encrypts `body` for every device of `user` and this user's other devices, commits the
    /// envelopes to the outbox, then delivers the outbox.
    func send(_ body: MessageBody, to user: String) async throws -> MessageID {
        guard let recipient = try? UserID(user) else { throw ClientError.invalidUserID(user) }
        try await completeLinkIfNeeded()
        defer { deviceListCache = [:] }
        let theirs: VerifiedDeviceList
        do {
            theirs = try await verifiedDevices(of: user, requireTrusted: true)
        } catch ClientError.serverUnreachable(let server) {
            return try await sendWhileOffline(body, to: recipient, server: server)
        }
        // With this account's own key changed on the server, copies to "our" other devices would
        // go to devices that key certified: none are sent (sync says so on every run).
        let ours: VerifiedDeviceList?
        do {
            ours = try await verifiedDevices(of: self.user, requireTrusted: true)
        } catch ClientError.ownAccountKeyChanged {
            ours = nil
        }
        let sentAt = now()
        let payload = try makePayload(body, sentAt: sentAt, syncedTo: nil)
        let encoded = payload.encode()
        let recipients = try await ensureSessions(with: theirs)
        guard !recipients.isEmpty else { throw ClientError.noDevices(user) }
        var envelopes = recipients.map { OutgoingPlaintext(encoded, to: $0) }
        if user != self.user, let ours {
            let copy = try makePayload(body, sentAt: sentAt, syncedTo: recipient, id: payload.id).encode()
            envelopes += try await ensureSessions(with: ours).filter { $0 != self.address }.map {
                OutgoingPlaintext(copy, to: $0)
            }
        }
        // The whole fan-out in one transaction (all envelopes in the outbox, or none after a
        // crash), with one history row tied to the first recipient device's envelope.
        _ = try await store.send(envelopes, conversation: user, historyBody: encoded, timestamp: sentAt)
        // Envelopes refused for now stay queued; only this message's recipient concerns the caller.
        if let refused = try await deliverOutbox().entries.first(where: { $0.recipient.user == user }) {
            throw ClientError.deliveryDeferred(user: user, code: refused.reason.serverCode ?? "unknown")
        }
        return payload.id
    }

    /// Sends a delivery receipt for `ids` to one device (no history row, no copies).
    func sendReceipt(_ ids: [MessageID], to address: PeerAddress) async throws {
        let payload = try makePayload(.receipt(ids), sentAt: now(), syncedTo: nil)
        _ = try await store.send(payload.encode(), to: address, conversation: address.user, historyBody: nil, timestamp: now())
    }

    func makePayload(_ body: MessageBody, sentAt: Int64, syncedTo: UserID?, id: MessageID? = nil) throws -> MessagePayload {
        do {
            if let id { return try MessagePayload(id: id, sentAt: sentAt, syncedTo: syncedTo, body: body) }
            return try MessagePayload(random: random, sentAt: sentAt, syncedTo: syncedTo, body: body)
        } catch {
            throw ClientError.messageTooLarge
        }
    }

    /// Addresses of `list`'s devices with a current session to the certified identity key,
    /// starting sessions from claimed bundles where there is none (or one to an older key).
    func ensureSessions(with list: VerifiedDeviceList) async throws -> [PeerAddress] {
        var ready: Set<UInt32> = []
        var missing: [UInt32] = []
        for (id, key) in list.devices where PeerAddress(user: list.user, device: id) != self.address {
            let current = try await store.sessionRecord(for: PeerAddress(user: list.user, device: id))?.current
            if current?.remoteIdentityKey == key { ready.insert(id) } else { missing.append(id) }
        }
        if !missing.isEmpty {
            // A device without a signed prekey or a PQ prekey on the server is left out of the
            // claim and gets nothing (one registered without them, before its first sync uploads
            // them). Every new session is Parley-v2 (PQXDH).
            // Every bundle is checked before any session starts: a refused one changes nothing.
            var bundles: [(UInt32, PQXDHBundle)] = []
            for bundle in try await server.claim(user: list.user, devices: missing.sorted()) {
                guard let certified = list.devices[bundle.device], missing.contains(bundle.device) else { continue }
                bundles.append((bundle.device, try Self.preKeyBundle(bundle, certifiedKey: certified, user: list.user)))
            }
            for (device, bundle) in bundles {
                do {
                    try await store.startSession(with: PeerAddress(user: list.user, device: device), bundle: bundle)
                } catch is ProtocolError {
                    throw ClientError.invalidCertificate(list.user)
                }
                ready.insert(device)
            }
        }
        return ready.sorted().map { PeerAddress(user: list.user, device: $0) }
    }

    /// A claimed bundle as Parley-v2 takes it, if its identity key is the certified one and it
    /// carries a well-formed PQ prekey signed by that identity key.
    /// - Throws: ``ClientError/invalidCertificate(_:)`` for another identity key,
    ///   ``ClientError/noPQPreKey(user:device:)`` for a bundle without a valid PQ prekey (there is
    ///   no fallback to Parley-v1), ``ClientError/malformedServerResponse(_:)`` for bad encodings.
    static func preKeyBundle(_ bundle: BundleJSON, certifiedKey: Ed25519.PublicKey, user: String) throws -> PQXDHBundle {
        func bytes(_ text: String) throws -> [UInt8] {
            guard let data = Data(base64Encoded: text) else { throw ClientError.malformedServerResponse("claimed bundle") }
            return Array(data)
        }
        let noPQPreKey = ClientError.noPQPreKey(user: user, device: bundle.device)
        do {
            let identity = try Ed25519.PublicKey(rawRepresentation: try bytes(bundle.identityKey))
            guard identity == certifiedKey else { throw ClientError.invalidCertificate(user) }
            guard let claimed = bundle.pqPreKey, let keyBytes = Data(base64Encoded: claimed.key),
                let pqPreKey = try? MLKEM.PublicKey(rawRepresentation: Array(keyBytes)),
                let pqSignature = Data(base64Encoded: claimed.signature).map(Array.init),
                identity.isValidSignature(pqSignature, for: PQPreKey.signedMessage(for: pqPreKey))
            else { throw noPQPreKey }
            return PQXDHBundle(
                identityKey: identity, signedPreKey: try X25519.PublicKey(rawRepresentation: try bytes(bundle.signedPreKey)),
                signedPreKeySignature: try bytes(bundle.signedPreKeySignature),
                oneTimePreKey: try bundle.oneTimePreKey.map { try X25519.PublicKey(rawRepresentation: try bytes($0)) },
                pqPreKey: pqPreKey, pqPreKeySignature: pqSignature)
        } catch let error as ClientError {
            throw error
        } catch {
            throw ClientError.malformedServerResponse("claimed bundle")
        }
    }
}

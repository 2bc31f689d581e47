import Foundation
import ParleyCrypto
import ParleyProtocol
import ParleyServerAPI
import ParleyStore

/// Linking another device to an account: the new device shows a ``LinkCode``; the primary
/// device, which holds the account key, certifies it and registers it on the server.
extension ParleyClient {
    static let awaitingLinkSetting = "client.awaiting_link"
    static let linkSecretName = "client.link_secret"

    /// Creates the store of a new device of an existing user and the code to show. The primary
    /// device registers it with ``link(_:)`` and the code (with its first signed prekey); others
    /// can send to it, and it can send, once it ran ``sync()``, which pins the account key and
    /// uploads its last-resort PQ prekey (made here, sealed with the signed prekey in one
    /// transaction) and one-time prekeys of both kinds: claims leave out devices without a PQ
    /// prekey.
    /// - Throws: as ``create(user:device:server:storeDirectory:passphrase:limits:random:now:)``,
    ///   before anything reaches the server.
    public static func prepareLinkedDevice(
        user: String, device: UInt32, server: String, storeDirectory: String, passphrase: SecureBytes,
        limits: Argon2id.Limits = .moderate, random: any RandomSource = SystemRandomSource(),
        now: @escaping @Sendable () -> Int64 = { ParleyClient.systemNow() }
    ) async throws -> (ParleyClient, LinkCode) {
        guard let userID = try? UserID(user) else { throw ClientError.invalidUserID(user) }
        let (client, store) = try await makeStore(
            settings: ClientSettings(user: user, device: device, server: server), storeDirectory: storeDirectory,
            passphrase: passphrase, limits: limits, random: random, now: now)
        let signedPreKey = SignedPreKey(identity: client.identity, version: .v2, random: random)
        let secret = SecureBytes(randomCount: LinkConfirmation.secretByteCount, from: random)
        do {
            // The first signed prekey travels in the code: the primary registers it with the
            // device; its PQ prekeys follow on the device's first sync.
            try await client.adoptSignedPreKey(signedPreKey)
            try await store.setSecret(linkSecretName, to: secret)
            try await store.setSetting(awaitingLinkSetting, to: "1")
        } catch {
            try? store.close()
            removeStoreFiles(storePath(in: storeDirectory))
            throw error
        }
        return (
            client,
            LinkCode(
                user: userID, device: device, identity: client.identity.signingKey, signedPreKey: signedPreKey.keyPair.publicKey,
                secret: secret)
        )
    }

    /// On the primary device: certifies the device in `code` with the account key, registers it
    /// on the server (signed by this device, with the new device's proof and first signed prekey
    /// in the body), and sends it the confirmation of the account key (``LinkConfirmation``). Run
    /// again with the same code, it confirms again (the device is already registered).
    /// - Throws: ``ClientError/invalidLinkCode`` for a code of another user,
    ///   ``ClientError/notPrimaryDevice`` without the account key, server errors.
    public func link(_ code: LinkCode) async throws {
        guard code.user == user, let userID = try? UserID(user) else { throw ClientError.invalidLinkCode }
        guard let accountKey = try await accountSigningKey() else { throw ClientError.notPrimaryDevice }
        let certificate = accountKey.signature(
            for: DeviceCertificate.signedMessage(user: userID, device: code.device, identityKey: code.identityKey))
        let deviceList = try await nextDeviceList(
            signedBy: accountKey, adding: SignedDeviceList.Entry(id: code.device, identityKey: code.identityKey))
        do {
            try await server.addDevice(
                AddDeviceRequest(
                    id: code.device, identityKey: server.base64(code.identityKey.rawRepresentation),
                    certificate: server.base64(certificate), linkProof: server.base64(code.proof),
                    signedPreKey: SignedPreKeyRequest(
                        key: server.base64(code.signedPreKey.rawRepresentation),
                        signature: server.base64(code.signedPreKeySignature)),
                    deviceList: DeviceListJSON(deviceList)))
        } catch ClientError.serverRejected(status: 409, let errorCode, let message) {
            // Linked before with this code (the confirmation was lost, say): confirm again. A
            // device id taken by another key, or a removed device, stays an error.
            deviceListCache[user] = nil
            let list = try await verifiedDevices(of: user, requireTrusted: true)
            guard list.devices[code.device] == code.identityKey else {
                throw ClientError.serverRejected(status: 409, code: errorCode, message: message)
            }
        }
        deviceListCache[user] = nil
        let confirmation = LinkConfirmation.body(
            secret: code.secret, user: userID, device: code.device, accountKey: accountKey.publicKey)
        _ = try await server.send([OutgoingMessageJSON(user: user, device: code.device, body: server.base64(confirmation))])
    }

    /// On a new device after ``link(_:)`` ran on the primary: checks that the server lists this
    /// device under a certificate, that the primary confirmed the account key that signed it
    /// (``LinkConfirmation``, from the mailbox), uploads its signed prekey again (in case the
    /// primary registered the device without it: the field is optional), pins that account key,
    /// and clears the waiting mark. Does nothing on a device that is not waiting.
    /// - Throws: ``ClientError/notRegistered`` while the primary has not linked this device yet,
    ///   ``ClientError/linkNotConfirmed`` while its confirmation has not arrived,
    ///   ``ClientError/linkConfirmationMismatch`` when it does not confirm the listed account key.
    func completeLinkIfNeeded() async throws {
        guard try await store.setting(Self.awaitingLinkSetting) == "1" else { return }
        let list: VerifiedDeviceList
        do {
            list = try VerifiedDeviceList(try await server.deviceList(of: user), for: user)
        } catch ClientError.serverRejected(401, _, _) {
            throw ClientError.notRegistered
        }
        guard list.devices[device] == identity.publicKey else { throw ClientError.notRegistered }
        try await checkLinkConfirmation(of: list.accountKey)
        try await reuploadCurrentSignedPreKey()
        try await store.setSetting(ClientSettings.accountPublicKey, to: Hex.encode(list.accountKey.rawRepresentation))
        try await store.saveContact(
            Contact(
                user: user, accountKey: list.accountKey.rawRepresentation, trust: .verified,
                deviceList: DeviceListPin(list.signedList)))
        try await store.setSetting(Self.awaitingLinkSetting, to: "0")
    }

    /// Finds the primary's confirmation among the first envelopes of this device's mailbox (it
    /// was sent right after the registration), checks it against `accountKey` and acknowledges it.
    private func checkLinkConfirmation(of accountKey: Ed25519.PublicKey) async throws {
        guard let userID = try? UserID(user), let secret = try await store.secret(Self.linkSecretName) else {
            throw ClientError.storeFailure("the link secret is missing")
        }
        // Paged through without acknowledging: envelopes from others stay for after the link.
        var confirmations: [EnvelopeJSON] = []
        var confirmed = false
        var after: Int64 = 0
        for _ in 0..<Self.confirmationSearchPages where !confirmed {
            let page = try await server.fetch(limit: Self.confirmationPageSize, after: after)
            let found = page.filter { envelope in
                envelope.senderUser == user && Self.bytes(envelope).map(LinkConfirmation.isConfirmation) == true
            }
            confirmations += found
            confirmed = found.contains { envelope in
                Self.bytes(envelope).map {
                    LinkConfirmation.confirms($0, secret: secret, user: userID, device: device, accountKey: accountKey)
                } == true
            }
            // The last page, or ids that do not increase (a server must not make this loop).
            guard page.count == Self.confirmationPageSize, let last = page.last?.id, last > after else { break }
            after = last
        }
        guard !confirmations.isEmpty else { throw ClientError.linkNotConfirmed }
        guard confirmed else { throw ClientError.linkConfirmationMismatch }
        try await server.acknowledge(confirmations.map(\.id))
    }

    /// An envelope's body bytes; nil when not base64.
    static func bytes(_ envelope: EnvelopeJSON) -> [UInt8]? {
        Data(base64Encoded: envelope.body).map(Array.init)
    }

    /// Envelopes per page while looking for the confirmation: the largest fetch the API allows.
    static let confirmationPageSize = 1000

    /// Pages looked through at most: 20, twice a full mailbox on the reference server (10,000
    /// envelopes), so that the search ends even against a server that never runs out.
    static let confirmationSearchPages = 20
}

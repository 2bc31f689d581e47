import Hummingbird
import Logging
import ParleyCrypto

extension KeyServerRoutes {
    /// `POST /v1/accounts`: a new user with its first device, signed by that device's key, and its
    /// first signed device list when the body carries one.
    ///
    /// Anyone can call it, so it is limited per client address before anything else, and every
    /// check of the body (device, certificate, device list, user id free) runs before the replay
    /// record is written: a refused registration takes no room in the replay cache (issue 13 item 3).
    func createAccount(_ request: Request, from client: ClientAddress, logger: Logger) async throws -> Response {
        try registrationLimiter.take(for: client)
        let body = try await JSONInput.collect(request, limit: limits.maxRequestBytes)
        let input = try JSONInput.decode(CreateAccountRequest.self, from: body)
        let user = try UserID(validating: input.user)
        let accountKey = try JSONInput.ed25519Key(input.accountKey, field: "account_key")
        let device = try input.device.record()
        var deviceList: SignedDeviceList?
        _ = try await authenticator.authenticate(request, body: body, presentedKey: device.identityKey) { signer in
            guard signer == DeviceAddress(user: user, device: device.id) else { throw ServerError.deviceMismatch }
            guard
                DeviceCertificate.isValid(
                    device.certificate, accountKey: accountKey, user: user, device: device.id, identityKey: device.identityKey)
            else { throw ServerError.invalidCertificate }
            deviceList = try input.deviceList.map { json throws(ServerError) in
                let list = try Self.signedDeviceList(json, of: user, accountKey: accountKey, naming: device)
                // The first list names the first device and nothing else.
                guard list.devices.count == 1 else { throw ServerError.invalidDeviceList }
                return list
            }
            // Checked again by the insert (a race between two registrations); this one only spares
            // the replay cache a record for a request that cannot succeed.
            guard try await storage.account(user) == nil else { throw ServerError.userTaken }
        }
        try await storage.createAccount(user: user, accountKey: accountKey, device: device, deviceList: deviceList)
        logger.info(
            "account registered",
            metadata: ["user": "\(user)", "device": "\(device.id)", "account_key": "\(Fingerprint.of(accountKey))"])
        return JSONOutput.response(RegisteredResponse(user: user.rawValue, device: device.id), status: .created)
    }

    /// `POST /v1/devices`: a new device of an existing user, certified by the account key. Signed
    /// by an existing device of the user, with the new device's `link_proof` (its proof of
    /// possession, from the link code): a device joins only through one already registered, so a
    /// removed device cannot add itself back. A device key the user removed before is refused
    /// (`device_removed`). The account's next signed device list, when the body carries one, is
    /// stored with the device. Every check of the body runs before the signer's replay record.
    func addDevice(_ request: Request, logger: Logger) async throws -> Response {
        let body = try await JSONInput.collect(request, limit: limits.maxRequestBytes)
        let input = try JSONInput.decode(AddDeviceRequest.self, from: body)
        let device = try input.device.record()
        guard let linkProof = input.linkProof else { throw ServerError.linkProofRequired }
        let proof = try JSONInput.signature(linkProof, field: "link_proof", error: .invalidLinkProof)
        // Checked before anything is stored: a bad signed prekey or device list adds nothing.
        var signedPreKey: SignedPreKeyRecord?
        var deviceList: SignedDeviceList?
        let signer = try await authenticator.authenticate(request, body: body, presentedKey: nil) { signer in
            guard DeviceLinkProof.isValid(proof, user: signer.user, device: device.id, identityKey: device.identityKey)
            else { throw ServerError.invalidLinkProof }
            let accountKey = try await certifyingKey(of: device, user: signer.user)
            signedPreKey = try input.signedPreKey.map { try Self.signedPreKey($0, signedBy: device.identityKey) }
            deviceList = try input.deviceList.map { json throws(ServerError) in
                try Self.signedDeviceList(json, of: signer.user, accountKey: accountKey, naming: device)
            }
        }
        let user = signer.address.user
        try await storage.addDevice(
            device, signedPreKey: signedPreKey, to: user, deviceList: deviceList, at: clock.now())
        logger.info(
            "device added",
            metadata: ["user": "\(user)", "device": "\(device.id)", "identity_key": "\(Fingerprint.of(device.identityKey))"])
        return JSONOutput.response(RegisteredResponse(user: user.rawValue, device: device.id), status: .created)
    }

    /// `user`'s account key, once `device`'s certificate verified under it.
    /// - Throws: `unknown_user`, `invalid_certificate`.
    private func certifyingKey(of device: DeviceRecord, user: UserID) async throws -> Ed25519.PublicKey {
        guard let account = try await storage.account(user) else { throw ServerError.unknownUser }
        guard
            DeviceCertificate.isValid(
                device.certificate, accountKey: account.accountKey, user: user, device: device.id,
                identityKey: device.identityKey)
        else { throw ServerError.invalidCertificate }
        return account.accountKey
    }

    /// `DELETE /v1/devices/{id}`: any device of a user may remove any device of the same user.
    func removeDevice(_ request: Request, id: String?, logger: Logger) async throws -> Response {
        let (caller, _) = try await authenticated(request)
        guard let id, let deviceID = Self.decimalUInt32(id) else { throw ServerError.invalidParameter(name: "id") }
        try await storage.removeDevice(DeviceAddress(user: caller.address.user, device: deviceID))
        // Its open streams end now (the account's too, when this was its last device).
        await notifier.endSubscriptions(of: DeviceAddress(user: caller.address.user, device: deviceID))
        logger.info("device removed", metadata: ["user": "\(caller.address.user)", "device": "\(deviceID)"])
        return Response(status: .noContent)
    }

    /// `GET /v1/users/{user}/devices`: account key, certified devices and the newest signed device
    /// list, for clients to verify. Limited per calling device (after authentication, before the
    /// lookup): enumerating user ids takes one request each.
    func listDevices(_ request: Request, user text: String?) async throws -> Response {
        let (caller, _) = try await authenticated(request)
        try lookupLimiter.take(for: caller.address)
        let user = try UserID(validating: text ?? "")
        guard let account = try await storage.account(user) else { throw ServerError.unknownUser }
        return JSONOutput.response(
            DeviceListResponse(
                user: user.rawValue, accountKey: JSONOutput.base64(account.accountKey.rawRepresentation),
                devices: account.devices.map(DeviceJSON.init), deviceList: account.deviceList.map(DeviceListJSON.init)))
    }

    /// A decimal `u32` with no sign and at most 10 digits.
    static func decimalUInt32(_ text: String) -> UInt32? {
        decimal(text, maxDigits: 10)
    }

    /// A decimal non-negative `i64` with no sign and at most 19 digits.
    static func decimalInt64(_ text: String) -> Int64? {
        decimal(text, maxDigits: 19)
    }

    /// Digits only (no sign, no spaces), at most `maxDigits` of them, and a value that fits.
    private static func decimal<Value: FixedWidthInteger>(_ text: String, maxDigits: Int) -> Value? {
        guard !text.isEmpty, text.utf8.count <= maxDigits, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else {
            return nil
        }
        return Value(text)
    }
}

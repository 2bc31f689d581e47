import Hummingbird
import Logging
import ParleyCrypto

extension KeyServerRoutes {
    /// `POST /v1/accounts`: a new user with its first device, signed by that device's key.
    func createAccount(_ request: Request, logger: Logger) async throws -> Response {
        let body = try await JSONInput.collect(request, limit: limits.maxRequestBytes)
        let input = try JSONInput.decode(CreateAccountRequest.self, from: body)
        let user = try UserID(validating: input.user)
        let accountKey = try JSONInput.ed25519Key(input.accountKey, field: "account_key")
        let device = try input.device.record()
        let caller = try await authenticator.authenticate(request, body: body, presentedKey: device.identityKey)
        guard caller.address == DeviceAddress(user: user, device: device.id) else { throw ServerError.deviceMismatch }
        guard
            DeviceCertificate.isValid(
                device.certificate, accountKey: accountKey, user: user, device: device.id, identityKey: device.identityKey)
        else { throw ServerError.invalidCertificate }
        try await storage.createAccount(user: user, accountKey: accountKey, device: device)
        logger.info(
            "account registered",
            metadata: ["user": "\(user)", "device": "\(device.id)", "account_key": "\(Fingerprint.of(accountKey))"])
        return JSONOutput.response(RegisteredResponse(user: user.rawValue, device: device.id), status: .created)
    }

    /// `POST /v1/devices`: a new device of an existing user, certified by the account key. Signed
    /// either by the new device's key, or by an existing device of the user when the body carries
    /// the new device's `link_proof` (its proof of possession, from the link code).
    func addDevice(_ request: Request, logger: Logger) async throws -> Response {
        let body = try await JSONInput.collect(request, limit: limits.maxRequestBytes)
        let input = try JSONInput.decode(AddDeviceRequest.self, from: body)
        let device = try input.device.record()
        let user: UserID
        if let linkProof = input.linkProof {
            let proof = try JSONInput.signature(linkProof, field: "link_proof", error: .invalidLinkProof)
            user = try await authenticator.authenticate(request, body: body).address.user
            guard DeviceLinkProof.isValid(proof, user: user, device: device.id, identityKey: device.identityKey) else {
                throw ServerError.invalidLinkProof
            }
        } else {
            let caller = try await authenticator.authenticate(request, body: body, presentedKey: device.identityKey)
            guard caller.address.device == device.id else { throw ServerError.deviceMismatch }
            user = caller.address.user
        }
        guard let account = try await storage.account(user) else { throw ServerError.unknownUser }
        guard
            DeviceCertificate.isValid(
                device.certificate, accountKey: account.accountKey, user: user, device: device.id,
                identityKey: device.identityKey)
        else { throw ServerError.invalidCertificate }
        // Checked before anything is stored: a bad signed prekey adds nothing.
        let signedPreKey = try input.signedPreKey.map { try Self.signedPreKey($0, signedBy: device.identityKey) }
        try await storage.addDevice(device, signedPreKey: signedPreKey, to: user)
        logger.info(
            "device added",
            metadata: ["user": "\(user)", "device": "\(device.id)", "identity_key": "\(Fingerprint.of(device.identityKey))"])
        return JSONOutput.response(RegisteredResponse(user: user.rawValue, device: device.id), status: .created)
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

    /// `GET /v1/users/{user}/devices`: account key and certified devices, for clients to verify.
    func listDevices(_ request: Request, user text: String?) async throws -> Response {
        _ = try await authenticated(request)
        let user = try UserID(validating: text ?? "")
        guard let account = try await storage.account(user) else { throw ServerError.unknownUser }
        return JSONOutput.response(
            DeviceListResponse(
                user: user.rawValue, accountKey: JSONOutput.base64(account.accountKey.rawRepresentation),
                devices: account.devices.map(DeviceJSON.init)))
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

import Hummingbird
import Logging
import ParleyCrypto

extension KeyServerRoutes {
    /// `POST /v1/accounts`: a new user with its first device, signed by that device's key.
    ///
    /// Anyone can call it, so it is limited per client address before anything else, and every
    /// check of the body (device, certificate, user id free) runs before the replay record is
    /// written: a refused registration takes no room in the replay cache (issue 13 item 3).
    func createAccount(_ request: Request, from client: ClientAddress, logger: Logger) async throws -> Response {
        try registrationLimiter.take(for: client)
        let body = try await JSONInput.collect(request, limit: limits.maxRequestBytes)
        let input = try JSONInput.decode(CreateAccountRequest.self, from: body)
        let user = try UserID(validating: input.user)
        let accountKey = try JSONInput.ed25519Key(input.accountKey, field: "account_key")
        let device = try input.device.record()
        _ = try await authenticator.authenticate(request, body: body, presentedKey: device.identityKey) { signer in
            guard signer == DeviceAddress(user: user, device: device.id) else { throw ServerError.deviceMismatch }
            guard
                DeviceCertificate.isValid(
                    device.certificate, accountKey: accountKey, user: user, device: device.id, identityKey: device.identityKey)
            else { throw ServerError.invalidCertificate }
            // Checked again by the insert (a race between two registrations); this one only spares
            // the replay cache a record for a request that cannot succeed.
            guard try await storage.account(user) == nil else { throw ServerError.userTaken }
        }
        try await storage.createAccount(user: user, accountKey: accountKey, device: device)
        logger.info(
            "account registered",
            metadata: ["user": "\(user)", "device": "\(device.id)", "account_key": "\(Fingerprint.of(accountKey))"])
        return JSONOutput.response(RegisteredResponse(user: user.rawValue, device: device.id), status: .created)
    }

    /// `POST /v1/devices`: a new device of an existing user, certified by the account key. Signed
    /// either by the new device's key, or by an existing device of the user when the body carries
    /// the new device's `link_proof` (its proof of possession, from the link code). Self-signed,
    /// it is a registration: limited per client address, every check before the replay record.
    func addDevice(_ request: Request, from client: ClientAddress, logger: Logger) async throws -> Response {
        let body = try await JSONInput.collect(request, limit: limits.maxRequestBytes)
        let input = try JSONInput.decode(AddDeviceRequest.self, from: body)
        let device = try input.device.record()
        let user: UserID
        // Checked before anything is stored: a bad signed prekey adds nothing.
        var signedPreKey: SignedPreKeyRecord?
        if let linkProof = input.linkProof {
            let proof = try JSONInput.signature(linkProof, field: "link_proof", error: .invalidLinkProof)
            // Signed by a registered device of the user: its own key, its own replay quota; the
            // body's checks still run before the record.
            let signer = try await authenticator.authenticate(request, body: body, presentedKey: nil) { signer in
                guard DeviceLinkProof.isValid(proof, user: signer.user, device: device.id, identityKey: device.identityKey)
                else { throw ServerError.invalidLinkProof }
                try await checkCertificate(of: device, user: signer.user)
                signedPreKey = try input.signedPreKey.map { try Self.signedPreKey($0, signedBy: device.identityKey) }
            }
            user = signer.address.user
        } else {
            try registrationLimiter.take(for: client)
            let caller = try await authenticator.authenticate(request, body: body, presentedKey: device.identityKey) { signer in
                guard signer.device == device.id else { throw ServerError.deviceMismatch }
                try await checkCertificate(of: device, user: signer.user)
                signedPreKey = try input.signedPreKey.map { try Self.signedPreKey($0, signedBy: device.identityKey) }
                // Checked again by the insert; this one spares the replay cache a record.
                guard try await storage.identityKey(of: signer) == nil else { throw ServerError.deviceTaken }
            }
            user = caller.address.user
        }
        try await storage.addDevice(device, signedPreKey: signedPreKey, to: user)
        logger.info(
            "device added",
            metadata: ["user": "\(user)", "device": "\(device.id)", "identity_key": "\(Fingerprint.of(device.identityKey))"])
        return JSONOutput.response(RegisteredResponse(user: user.rawValue, device: device.id), status: .created)
    }

    /// Throws `unknown_user` or `invalid_certificate` unless `device`'s certificate verifies under
    /// `user`'s account key.
    private func checkCertificate(of device: DeviceRecord, user: UserID) async throws {
        guard let account = try await storage.account(user) else { throw ServerError.unknownUser }
        guard
            DeviceCertificate.isValid(
                device.certificate, accountKey: account.accountKey, user: user, device: device.id,
                identityKey: device.identityKey)
        else { throw ServerError.invalidCertificate }
    }

    /// `DELETE /v1/devices/{id}`: any device of a user may remove any device of the same user.
    func removeDevice(_ request: Request, id: String?, logger: Logger) async throws -> Response {
        let (caller, _) = try await authenticated(request)
        guard let id, let deviceID = Self.decimalUInt32(id) else { throw ServerError.invalidParameter(name: "id") }
        try await storage.removeDevice(DeviceAddress(user: caller.address.user, device: deviceID))
        logger.info("device removed", metadata: ["user": "\(caller.address.user)", "device": "\(deviceID)"])
        return Response(status: .noContent)
    }

    /// `GET /v1/users/{user}/devices`: account key and certified devices, for clients to verify.
    /// Limited per calling device (after authentication, before the lookup): enumerating user ids
    /// takes one request each.
    func listDevices(_ request: Request, user text: String?) async throws -> Response {
        let (caller, _) = try await authenticated(request)
        try lookupLimiter.take(for: caller.address)
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

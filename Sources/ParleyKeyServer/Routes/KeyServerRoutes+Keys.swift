import Hummingbird
import Logging
import ParleyCrypto

extension KeyServerRoutes {
    /// `PUT /v1/keys/signed-prekey`: replaces the caller's signed prekey; the Parley-v2 signature
    /// (over `"parley-spk-v2" || key`) must verify under the caller's identity key.
    func setSignedPreKey(_ request: Request) async throws -> Response {
        let (caller, body) = try await authenticated(request, limit: limits.maxPreKeyRequestBytes)
        let input = try JSONInput.decode(SignedPreKeyRequest.self, from: body)
        try await storage.setSignedPreKey(
            Self.signedPreKey(input, signedBy: caller.identityKey), for: caller.address, at: clock.now())
        return Response(status: .noContent)
    }

    /// A signed prekey from a body, its Parley-v2 signature (`SignatureDomain.signedPreKeyV2 ||
    /// key`, Specs/protocol.md §13) checked under `identityKey`; a Parley-v1 signature (over the
    /// bare key) is refused.
    /// - Throws: `invalid_base64`, `invalid_key`, `invalid_signature` (``ServerError``).
    static func signedPreKey(_ input: SignedPreKeyRequest, signedBy identityKey: Ed25519.PublicKey) throws(ServerError)
        -> SignedPreKeyRecord
    {
        let key = try JSONInput.x25519Key(input.key, field: "key")
        let signature = try JSONInput.signature(input.signature, field: "signature", error: .invalidSignature)
        guard identityKey.isValidSignature(signature, for: SignatureDomain.signedPreKeyV2 + key.rawRepresentation) else {
            throw .invalidSignature
        }
        return SignedPreKeyRecord(key: key, signature: signature)
    }

    /// `POST /v1/keys/one-time`: adds one-time prekeys (at most 100 per call, 1000 held).
    func addOneTimePreKeys(_ request: Request) async throws -> Response {
        let (caller, body) = try await authenticated(request, limit: limits.maxPreKeyRequestBytes)
        let input = try JSONInput.decode(OneTimePreKeysRequest.self, from: body)
        guard input.keys.count <= limits.maxOneTimePreKeysPerCall else {
            throw ServerError.tooManyKeys(limit: limits.maxOneTimePreKeysPerCall)
        }
        var keys: [X25519.PublicKey] = []
        keys.reserveCapacity(input.keys.count)
        for (index, text) in input.keys.enumerated() {
            keys.append(try JSONInput.x25519Key(text, field: "keys[\(index)]"))
        }
        let held = try await storage.addOneTimePreKeys(keys, for: caller.address, limit: limits.maxOneTimePreKeysHeld)
        return JSONOutput.response(PreKeyCountResponse(oneTime: held))
    }

    /// `GET /v1/keys/count`: how many one-time and one-time PQ prekeys the caller still has on the
    /// server, and how old its signed prekey and last-resort PQ prekey are.
    func countPreKeys(_ request: Request) async throws -> Response {
        let (caller, _) = try await authenticated(request)
        let status = try await storage.preKeyStatus(for: caller.address)
        let now = clock.now()
        // Whole seconds, never negative (the clock may have been set back since the upload).
        func age(_ uploadedAt: Int64?) -> Int64? { uploadedAt.map { max(0, now - $0) / 1000 } }
        return JSONOutput.response(
            PreKeyStatusResponse(
                oneTime: status.oneTime, pqOneTime: status.pqOneTime,
                signedPreKeyAgeSeconds: age(status.signedPreKeyUploadedAt),
                pqLastResortAgeSeconds: age(status.pqLastResortUploadedAt)))
    }

    /// `POST /v1/keys/claim`: bundles of a user's devices; each one-time prekey and one-time PQ
    /// prekey goes out once, and at most as many a minute per target device as
    /// ``ServerLimits/claimTargetRate`` allows (one token for both kinds).
    func claim(_ request: Request, logger: Logger) async throws -> Response {
        let (caller, body) = try await authenticated(request)
        // After authentication (the bucket is the signed caller's), before anything is read.
        try claimLimiter.take(for: caller.address)
        let input = try JSONInput.decode(ClaimRequest.self, from: body)
        let user = try UserID(validating: input.user)
        if let devices = input.devices, devices.count > limits.maxFetchLimit {
            throw ServerError.tooManyItems(limit: limits.maxFetchLimit)
        }
        // Per target device too: many fresh accounts each within their own limit must not drain
        // one device's stock. Past the target's budget the bundle goes out without a one-time
        // prekey and with the last-resort PQ prekey (never a 429: a flood must not make the user
        // unreachable).
        let targets = claimTargetLimiter
        let bundles = try await storage.claimBundles(
            of: user, devices: input.devices, requirePQPreKey: limits.requirePQPreKeys
        ) { device in
            targets.tryTake(for: DeviceAddress(user: user, device: device))
        }
        logger.debug(
            "bundles claimed",
            metadata: [
                "caller": "\(caller.address)", "user": "\(user)", "bundles": "\(bundles.count)",
                "one_time": "\(bundles.filter { $0.oneTimePreKey != nil }.count)",
                "pq_one_time": "\(bundles.filter { $0.pqPreKey?.lastResort == false }.count)",
            ])
        return JSONOutput.response(ClaimResponse(user: user.rawValue, bundles: bundles.map(BundleJSON.init)))
    }
}

import Hummingbird
import ParleyCrypto
import ParleyServerAPI

extension KeyServerRoutes {
    /// `PUT /v1/keys/pq-last-resort`: replaces the caller's last-resort PQ prekey; its length and
    /// signature are checked under the caller's identity key before anything is stored.
    func setPQLastResortPreKey(_ request: Request) async throws -> Response {
        let (caller, body) = try await authenticated(request, limit: limits.maxPreKeyRequestBytes)
        let input = try JSONInput.decode(SignedPQPreKeyJSON.self, from: body)
        let preKey = try Self.pqPreKey(input, field: "key", signedBy: caller.identityKey)
        try await storage.setPQLastResortPreKey(preKey, for: caller.address, at: clock.now())
        return Response(status: .noContent)
    }

    /// `POST /v1/keys/pq-one-time`: adds one-time PQ prekeys (at most 100 per call, 1000 held).
    /// Every key is checked first: one bad key or signature stores none of them.
    func addPQOneTimePreKeys(_ request: Request) async throws -> Response {
        let (caller, body) = try await authenticated(request, limit: limits.maxPreKeyRequestBytes)
        let input = try JSONInput.decode(PQOneTimePreKeysRequest.self, from: body)
        guard input.keys.count <= limits.maxPQOneTimePreKeysPerCall else {
            throw ServerError.tooManyKeys(limit: limits.maxPQOneTimePreKeysPerCall)
        }
        var preKeys: [PQPreKeyRecord] = []
        preKeys.reserveCapacity(input.keys.count)
        for (index, key) in input.keys.enumerated() {
            preKeys.append(try Self.pqPreKey(key, field: "keys[\(index)].key", signedBy: caller.identityKey))
        }
        let held = try await storage.addPQOneTimePreKeys(
            preKeys, for: caller.address, limit: limits.maxPQOneTimePreKeysHeld)
        return JSONOutput.response(PQPreKeyCountResponse(pqOneTime: held))
    }

    /// A PQ prekey from a body: base64 fields, 1568 key bytes, signature over
    /// `SignatureDomain.pqPreKeyV2 || key` by `identityKey`.
    /// - Throws: `invalid_base64`, `invalid_key`, `invalid_signature` (``ServerError``).
    static func pqPreKey(_ input: SignedPQPreKeyJSON, field: String, signedBy identityKey: Ed25519.PublicKey)
        throws(ServerError) -> PQPreKeyRecord
    {
        let key = try JSONInput.base64(input.key, field: field)
        let signature = try JSONInput.base64(input.signature, field: "signature")
        do {
            return try PQPreKeyRecord.verified(key: key, signature: signature, by: identityKey)
        } catch {
            switch error {
            case .invalidKeyLength: throw .invalidKey(field: field)
            case .invalidSignature: throw .invalidSignature
            }
        }
    }
}

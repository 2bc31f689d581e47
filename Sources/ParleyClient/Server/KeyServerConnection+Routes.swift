import Foundation
import ParleyCrypto
import ParleyProtocol
import ParleyServerAPI

/// The key server's routes as typed calls (Specs/server-api.md §5).
extension KeyServerConnection {
    func createAccount(_ body: CreateAccountRequest) async throws {
        do {
            _ = try await json(.POST, "/v1/accounts", body: body, as: RegisteredResponse.self)
        } catch ClientError.serverRejected(409, _, _) {
            throw ClientError.userTaken(body.user)
        }
    }

    func addDevice(_ device: AddDeviceRequest) async throws {
        _ = try await json(.POST, "/v1/devices", body: device, as: RegisteredResponse.self)
    }

    func setDeviceList(_ list: DeviceListJSON) async throws {
        try await call(.PUT, "/v1/devices/list", body: list)
    }

    func removeDevice(_ id: UInt32) async throws {
        _ = try await execute(.DELETE, "/v1/devices/\(id)", body: [])
    }

    /// The user's account key and devices, as the server claims them (verify before use).
    func deviceList(of user: String) async throws -> DeviceListResponse {
        do {
            return try await json(.GET, "/v1/users/\(user)/devices", as: DeviceListResponse.self)
        } catch ClientError.serverRejected(404, _, _) {
            throw ClientError.unknownUser(user)
        }
    }

    func uploadSignedPreKey(key: [UInt8], signature: [UInt8]) async throws {
        try await call(.PUT, "/v1/keys/signed-prekey", body: SignedPreKeyRequest(key: base64(key), signature: base64(signature)))
    }

    func uploadOneTimePreKeys(_ keys: [[UInt8]]) async throws {
        try await call(.POST, "/v1/keys/one-time", body: OneTimePreKeysRequest(keys: keys.map(base64)))
    }

    func oneTimePreKeyCount() async throws -> Int {
        try await preKeyStatus().oneTime
    }

    /// This device's stock on the server and the ages of its signed and last-resort PQ prekeys.
    func preKeyStatus() async throws -> PreKeyStatusResponse {
        let status = try await json(.GET, "/v1/keys/count", as: PreKeyStatusResponse.self)
        guard status.oneTime >= 0, status.pqOneTime >= 0 else { throw ClientError.malformedServerResponse("prekey count") }
        return status
    }

    /// `PUT /v1/keys/pq-last-resort`: replaces this device's last-resort PQ prekey.
    func uploadPQLastResortPreKey(_ preKey: PQPreKey) async throws {
        try await call(.PUT, "/v1/keys/pq-last-resort", body: Self.signedPQPreKeyJSON(preKey))
    }

    /// `POST /v1/keys/pq-one-time`: adds one-time PQ prekeys (at most 100 per call).
    func uploadPQOneTimePreKeys(_ preKeys: [PQPreKey]) async throws {
        try await call(.POST, "/v1/keys/pq-one-time", body: PQOneTimePreKeysRequest(keys: preKeys.map(Self.signedPQPreKeyJSON)))
    }

    /// A PQ prekey's public half as the API takes it.
    static func signedPQPreKeyJSON(_ preKey: PQPreKey) -> SignedPQPreKeyJSON {
        SignedPQPreKeyJSON(
            key: Data(preKey.keyPair.publicKey.rawRepresentation).base64EncodedString(),
            signature: Data(preKey.signature).base64EncodedString())
    }

    func claim(user: String, devices: [UInt32]?) async throws -> [BundleJSON] {
        do {
            return try await json(
                .POST, "/v1/keys/claim", body: ClaimRequest(user: user, devices: devices), as: ClaimResponse.self
            )
            .bundles
        } catch ClientError.serverRejected(404, _, _) {
            throw ClientError.unknownUser(user)
        }
    }

    func send(_ messages: [OutgoingMessageJSON]) async throws -> [Int64] {
        try await json(.PUT, "/v1/messages", body: SendRequest(messages: messages), as: SendResponse.self).ids
    }

    /// Pending envelopes, oldest first; with `after`, only those with a larger id.
    func fetch(limit: Int, after: Int64 = 0) async throws -> [EnvelopeJSON] {
        let query = after > 0 ? "limit=\(limit)&after=\(after)" : "limit=\(limit)"
        return try await json(.GET, "/v1/messages?\(query)", as: FetchResponse.self).messages
    }

    /// Acknowledges envelopes, in requests of at most 1000 ids (the API's limit per call).
    func acknowledge(_ ids: [Int64]) async throws {
        for start in stride(from: 0, to: ids.count, by: 1000) {
            let chunk = Array(ids[start..<min(start + 1000, ids.count)])
            try await call(.POST, "/v1/messages/ack", body: AckRequest(ids: chunk))
        }
    }

    func base64(_ bytes: [UInt8]) -> String { Data(bytes).base64EncodedString() }
}

import Foundation
import ParleyCrypto

/// The key server's routes as typed calls (Specs/server-api.md §5).
extension KeyServerConnection {
    func createAccount(_ body: CreateAccountBody) async throws {
        do {
            _ = try await json(.POST, "/v1/accounts", body: body, as: RegisteredJSON.self)
        } catch ClientError.serverRejected(409, _, _) {
            throw ClientError.userTaken(body.user)
        }
    }

    func addDevice(_ device: AddDeviceBody) async throws {
        _ = try await json(.POST, "/v1/devices", body: device, as: RegisteredJSON.self)
    }

    func removeDevice(_ id: UInt32) async throws {
        _ = try await execute(.DELETE, "/v1/devices/\(id)", body: [])
    }

    /// The user's account key and devices, as the server claims them (verify before use).
    func deviceList(of user: String) async throws -> DeviceListJSON {
        do {
            return try await json(.GET, "/v1/users/\(user)/devices", as: DeviceListJSON.self)
        } catch ClientError.serverRejected(404, _, _) {
            throw ClientError.unknownUser(user)
        }
    }

    func uploadSignedPreKey(key: [UInt8], signature: [UInt8]) async throws {
        try await call(.PUT, "/v1/keys/signed-prekey", body: SignedPreKeyBody(key: base64(key), signature: base64(signature)))
    }

    func uploadOneTimePreKeys(_ keys: [[UInt8]]) async throws {
        try await call(.POST, "/v1/keys/one-time", body: OneTimePreKeysBody(keys: keys.map(base64)))
    }

    func oneTimePreKeyCount() async throws -> Int {
        try await json(.GET, "/v1/keys/count", as: PreKeyCountJSON.self).oneTime
    }

    func claim(user: String, devices: [UInt32]?) async throws -> [BundleJSON] {
        do {
            return try await json(.POST, "/v1/keys/claim", body: ClaimBody(user: user, devices: devices), as: ClaimJSON.self)
                .bundles
        } catch ClientError.serverRejected(404, _, _) {
            throw ClientError.unknownUser(user)
        }
    }

    func send(_ messages: [OutgoingMessageJSON]) async throws -> [Int64] {
        try await json(.PUT, "/v1/messages", body: SendBody(messages: messages), as: SendJSON.self).ids
    }

    func fetch(limit: Int) async throws -> [EnvelopeJSON] {
        try await json(.GET, "/v1/messages?limit=\(limit)", as: FetchJSON.self).messages
    }

    func acknowledge(_ ids: [Int64]) async throws {
        guard !ids.isEmpty else { return }
        try await call(.POST, "/v1/messages/ack", body: AckBody(ids: ids))
    }

    func base64(_ bytes: [UInt8]) -> String { Data(bytes).base64EncodedString() }
}

/// Answer of the registration routes.
struct RegisteredJSON: Decodable {
    let user: String
    let device: UInt32
}

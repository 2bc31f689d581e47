import Foundation
import ParleyCrypto
import ParleyKeyServer

/// The registered devices a load level uses: one sender and one receiver per worker, plus the
/// users whose bundles are claimed, each with a full stock of one-time prekeys.
struct Workers: Sendable {
    /// One-time prekeys each claim target holds: 1000, the most a device may hold.
    static let keysPerClaimTarget = 1000

    let senders: [LoadDevice]
    let receivers: [LoadDevice]
    /// Enough users that every claim of the level can be handed a one-time prekey: claim number
    /// `n` of a level goes to user `n / 1000`.
    let claimTargets: [String]
    /// One WebSocket per receiver, opened by ``openPushChannels(port:)`` before the push phase.
    let pushChannels: [PushChannel]

    /// Opens every receiver's stream and waits (at most 5 s each) until a message reaches it, so
    /// that every subscription is in place before push latency is measured.
    func openPushChannels(port: Int) async throws {
        for (index, channel) in pushChannels.enumerated() {
            channel.open(as: receivers[index], port: port)
            var reached = false
            for _ in 0..<50 where !reached {
                _ = try await LoadOperation.send.perform(self, index: index)
                reached = await channel.nextFrame(timeout: .milliseconds(100)) != nil
            }
            guard reached else { throw LoadError.setup("no push reached receiver \(index)") }
            try await Task.sleep(for: .milliseconds(50))
            channel.drain()
        }
    }

    func closePushChannels() { for channel in pushChannels { channel.close() } }

    /// Registers the devices of one level; `claims` is how many claims it may make.
    static func prepare(count: Int, claims: Int, target: LoadTarget, run: String) async throws -> Workers {
        var senders: [LoadDevice] = []
        var receivers: [LoadDevice] = []
        for index in 0..<count {
            senders.append(try await register("s\(run)x\(index)", target: target))
            receivers.append(try await register("r\(run)x\(index)", target: target))
        }
        var claimTargets: [String] = []
        for index in 0..<max(1, (claims + keysPerClaimTarget - 1) / keysPerClaimTarget) {
            let user = "c\(run)x\(index)"
            let device = try await register(user, target: target)
            try await stock(device)
            await device.close()
            claimTargets.append(user)
        }
        return Workers(
            senders: senders, receivers: receivers, claimTargets: claimTargets,
            pushChannels: receivers.map { _ in PushChannel() })
    }

    /// Uploads a full stock of one-time prekeys for `device`, 100 per request.
    private static func stock(_ device: LoadDevice) async throws {
        for _ in 0..<(keysPerClaimTarget / 100) {
            let keys = (0..<100).map { _ in base64(X25519.PrivateKey(random: SystemRandomSource()).publicKey.rawRepresentation) }
            let reply = try await device.call(.post, "/v1/keys/one-time", json: ["keys": keys])
            guard reply.status == 200 else {
                throw LoadError.setup("one-time prekeys of \(device.user) answered \(reply.status)")
            }
        }
    }

    /// Registers a user with one device and a signed prekey.
    static func register(_ user: String, target: LoadTarget) async throws -> LoadDevice {
        let account = Ed25519.PrivateKey(random: SystemRandomSource())
        let key = Ed25519.PrivateKey(random: SystemRandomSource())
        let device = LoadDevice(user: user, key: key, target: target)
        let certificate = account.signature(
            for: DeviceCertificate.signedMessage(user: try UserID(user), device: 1, identityKey: key.publicKey))
        let registration: [String: Any] = [
            "user": user, "account_key": base64(account.publicKey.rawRepresentation),
            "device": ["id": 1, "identity_key": base64(key.publicKey.rawRepresentation), "certificate": base64(certificate)],
        ]
        let registered = try await device.call(.post, "/v1/accounts", json: registration)
        guard registered.status == 201 else { throw LoadError.setup("registration of \(user) answered \(registered.status)") }
        let spk = X25519.PrivateKey(random: SystemRandomSource()).publicKey.rawRepresentation
        let uploaded = try await device.call(
            .put, "/v1/keys/signed-prekey",
            json: ["key": base64(spk), "signature": base64(key.signature(for: SignatureDomain.signedPreKeyV2 + spk))])
        guard uploaded.status < 300 else { throw LoadError.setup("signed prekey of \(user) answered \(uploaded.status)") }
        // A last-resort PQ prekey (opaque bytes to the server, signed like a client's): claims
        // leave out devices without one.
        let pqKey = SystemRandomSource().bytes(1568)
        let pqUploaded = try await device.call(
            .put, "/v1/keys/pq-last-resort",
            json: ["key": base64(pqKey), "signature": base64(key.signature(for: SignatureDomain.pqPreKeyV2 + pqKey))])
        guard pqUploaded.status < 300 else { throw LoadError.setup("PQ prekey of \(user) answered \(pqUploaded.status)") }
        return device
    }
}

enum LoadError: Error, CustomStringConvertible {
    case setup(String)

    var description: String {
        switch self {
        case .setup(let detail): "set-up failed: \(detail)"
        }
    }
}

func base64(_ bytes: [UInt8]) -> String { Data(bytes).base64EncodedString() }

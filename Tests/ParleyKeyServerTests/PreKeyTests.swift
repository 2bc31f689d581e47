import Foundation
import ParleyCrypto
import Testing

@testable import ParleyKeyServer

@Suite("Prekeys")
struct PreKeyTests {
    @Test(arguments: Backend.allCases)
    func uploadCountClaim(backend: Backend) async throws {
        try await withServer(backend) { api in
            let (account, bob) = try await api.readyUser("bob")
            let keys = oneTimeKeys(3)
            let upload = try await api.call(.post, "/v1/keys/one-time", json: ["keys": keys], as: bob)
            #expect(upload.status == 200)
            #expect(upload.json["one_time"] as? Int == 3)
            // Re-uploading a held key does not duplicate it.
            #expect(
                try await api.call(.post, "/v1/keys/one-time", json: ["keys": [keys[0]]], as: bob).json["one_time"] as? Int == 3)
            #expect(try await api.call(.get, "/v1/keys/count", as: bob).json["one_time"] as? Int == 3)

            let (_, alice) = try await api.readyUser("alice")
            var claimed: [String] = []
            for expectedLeft in [2, 1, 0] {
                let reply = try await api.call(.post, "/v1/keys/claim", json: ["user": "bob"], as: alice)
                #expect(reply.status == 200)
                let bundles = reply.json["bundles"] as? [[String: Any]] ?? []
                #expect(bundles.count == 1)
                let bundle = bundles.first ?? [:]
                #expect(bundle["device"] as? Int == 1)
                #expect(bundle["identity_key"] as? String == b64(bob.key.publicKey.rawRepresentation))
                #expect(bundle["certificate"] as? String == b64(bob.certificate))
                // The bundle verifies as a client would check it.
                let spk = try #require(Data(base64Encoded: bundle["signed_prekey"] as? String ?? ""))
                let sig = try #require(Data(base64Encoded: bundle["signed_prekey_signature"] as? String ?? ""))
                #expect(bob.key.publicKey.isValidSignature(Array(sig), for: SignatureDomain.signedPreKeyV2 + Array(spk)))
                let certificateOK = DeviceCertificate.isValid(
                    bob.certificate, accountKey: account.accountKey.publicKey, user: try UserID("bob"), device: 1,
                    identityKey: bob.key.publicKey)
                #expect(certificateOK)
                claimed.append(try #require(bundle["one_time_prekey"] as? String))
                #expect(try await api.call(.get, "/v1/keys/count", as: bob).json["one_time"] as? Int == expectedLeft)
            }
            #expect(Set(claimed) == Set(keys))
            // Out of one-time prekeys: the bundle still comes, with null.
            let empty = try await api.call(.post, "/v1/keys/claim", json: ["user": "bob", "devices": [1]], as: alice)
            let bundle = (empty.json["bundles"] as? [[String: Any]])?.first
            #expect(bundle?["one_time_prekey"] is NSNull)
            #expect(String(decoding: empty.body, as: UTF8.self).contains(#""one_time_prekey":null"#))
        }
    }

    @Test(arguments: Backend.allCases)
    func limitsAndValidation(backend: Backend) async throws {
        try await withServer(backend) { api in
            let (_, dev) = try await api.readyUser("gina")
            let tooMany = try await api.call(.post, "/v1/keys/one-time", json: ["keys": oneTimeKeys(101)], as: dev)
            #expect(tooMany.status == 400)
            #expect(tooMany.errorCode == "too_many_keys")
            for _ in 0..<10 {
                #expect(try await api.call(.post, "/v1/keys/one-time", json: ["keys": oneTimeKeys(100)], as: dev).status == 200)
            }
            let over = try await api.call(.post, "/v1/keys/one-time", json: ["keys": oneTimeKeys(1)], as: dev)
            #expect(over.status == 409)
            #expect(over.errorCode == "prekey_limit")
            #expect(try await api.call(.get, "/v1/keys/count", as: dev).json["one_time"] as? Int == 1000)

            let shortKey = try await api.call(.post, "/v1/keys/one-time", json: ["keys": [b64([1, 2, 3])]], as: dev)
            #expect(shortKey.errorCode == "invalid_key")
            let notBase64 = try await api.call(.post, "/v1/keys/one-time", json: ["keys": ["***"]], as: dev)
            #expect(notBase64.errorCode == "invalid_base64")
            // Signed prekey: signature by another key, wrong lengths.
            var spk = dev.signedPreKey().body
            spk["signature"] = b64(Ed25519.PrivateKey(random: SystemRandomSource()).signature(for: [1]))
            #expect(try await api.call(.put, "/v1/keys/signed-prekey", json: spk, as: dev).errorCode == "invalid_signature")
            spk["signature"] = b64([0, 1])
            #expect(try await api.call(.put, "/v1/keys/signed-prekey", json: spk, as: dev).errorCode == "invalid_signature")
            // A Parley-v1 signature (over the bare key, by the right identity key) is refused:
            // the signed prekey is signed with the v2 domain prefix.
            let v1 = X25519.PrivateKey(random: SystemRandomSource()).publicKey.rawRepresentation
            let v1Body = ["key": b64(v1), "signature": b64(dev.key.signature(for: v1))]
            #expect(try await api.call(.put, "/v1/keys/signed-prekey", json: v1Body, as: dev).errorCode == "invalid_signature")
            spk = dev.signedPreKey().body
            spk["key"] = b64([UInt8](repeating: 9, count: 33))
            #expect(try await api.call(.put, "/v1/keys/signed-prekey", json: spk, as: dev).errorCode == "invalid_key")
        }
    }

    @Test(arguments: Backend.allCases)
    func claimSelection(backend: Backend) async throws {
        try await withServer(backend) { api in
            let (hank, first) = try await api.readyUser("hank", oneTime: 2)
            // A second device without a signed prekey is left out of bundles.
            let second = try hank.device(2)
            #expect(try await api.call(.post, "/v1/devices", json: try second.linkJSON(), as: first).status == 201)
            let all = try await api.call(.post, "/v1/keys/claim", json: ["user": "hank"], as: first)
            #expect((all.json["bundles"] as? [[String: Any]])?.compactMap { $0["device"] as? Int } == [1])
            let unknownDevice = try await api.call(.post, "/v1/keys/claim", json: ["user": "hank", "devices": [5]], as: first)
            #expect(unknownDevice.status == 404)
            #expect(unknownDevice.errorCode == "unknown_device")
            let unknownUser = try await api.call(.post, "/v1/keys/claim", json: ["user": "nobody"], as: first)
            #expect(unknownUser.errorCode == "unknown_user")
            // A failed claim took nothing: one of the two keys is left.
            #expect(try await api.call(.get, "/v1/keys/count", as: first).json["one_time"] as? Int == 1)
        }
    }

    /// 50 one-time prekeys, 200 concurrent claims from 20 devices: exactly 50 distinct keys out
    /// (the per-target budget and the registration limit out of the way: this counts keys).
    @Test(arguments: Backend.allCases)
    func exactlyOnceUnderConcurrentClaims(backend: Backend) async throws {
        var limits = ServerLimits()
        limits.claimTargetRate = RateLimit(capacity: 1000, refillPerMinute: 1000)
        limits.registrationRate = RateLimit(capacity: 1000, refillPerMinute: 1000)
        try await withServer(backend, limits: limits) { api in
            let (_, target) = try await api.readyUser("target")
            let uploaded = oneTimeKeys(50)
            #expect(try await api.call(.post, "/v1/keys/one-time", json: ["keys": uploaded], as: target).status == 200)
            var claimers: [TestDevice] = []
            for index in 0..<20 {
                claimers.append(try await api.readyUser("claimer\(index)").1)
            }
            let outcomes = try await concurrentClaims(of: "target", through: [api], by: claimers)
            expectExactlyOnce(outcomes, uploaded: uploaded)
            #expect(try await api.call(.get, "/v1/keys/count", as: target).json["one_time"] as? Int == 0)
        }
    }
}

import Foundation
import ParleyCrypto
import Testing

@testable import ParleyKeyServer

/// The PQ prekey routes (Specs/server-api.md §5.3) on every backend: upload, count, claim, and
/// every refusal leaving the stock as it was.
@Suite("PQ prekeys")
struct PQPreKeyTests {
    /// The device's `GET /v1/keys/count` answer.
    static func count(_ api: TestAPI, _ device: TestDevice) async throws -> [String: Any] {
        try await api.call(.get, "/v1/keys/count", as: device).json
    }

    @Test(arguments: Backend.allCases)
    func uploadCountClaim(backend: Backend) async throws {
        try await withServer(backend) { api in
            let (_, bob) = try await api.readyUser("bob", oneTime: 2, pqLastResort: false)
            let fresh = try await Self.count(api, bob)
            #expect(fresh["pq_one_time"] as? Int == 0)
            #expect(fresh["pq_last_resort_age_s"] is NSNull)
            #expect(fresh["signed_prekey_age_s"] as? Int == 0)
            #expect(fresh["one_time"] as? Int == 2)

            let lastResort = bob.pqPreKey()
            #expect(try await api.call(.put, "/v1/keys/pq-last-resort", json: lastResort, as: bob).status == 204)
            let keys = bob.pqPreKeys(3)
            let upload = try await api.call(.post, "/v1/keys/pq-one-time", json: ["keys": keys], as: bob)
            #expect(upload.status == 200)
            #expect(upload.json["pq_one_time"] as? Int == 3)
            // Re-uploading a held key does not duplicate it, nor does a key twice in one call.
            let again = try await api.call(.post, "/v1/keys/pq-one-time", json: ["keys": [keys[0], keys[1], keys[1]]], as: bob)
            #expect(again.json["pq_one_time"] as? Int == 3)

            api.clock.advance(milliseconds: 120_000)
            let counted = try await Self.count(api, bob)
            #expect(counted["pq_one_time"] as? Int == 3)
            #expect(counted["one_time"] as? Int == 2)
            #expect(counted["pq_last_resort_age_s"] as? Int == 120)
            #expect(counted["signed_prekey_age_s"] as? Int == 120)

            let (_, alice) = try await api.readyUser("alice")
            var claimed: [String] = []
            for expectedLeft in [2, 1, 0] {
                let reply = try await api.call(.post, "/v1/keys/claim", json: ["user": "bob"], as: alice)
                #expect(reply.status == 200)
                #expect(pqPreKeysVerify(reply))
                let pq = try #require(claimedPQPreKey(reply))
                #expect(!pq.lastResort)
                claimed.append(pq.key)
                #expect(try await Self.count(api, bob)["pq_one_time"] as? Int == expectedLeft)
            }
            #expect(Set(claimed) == Set(keys.compactMap { $0["key"] as? String }))
            // Out of one-time PQ prekeys: the last-resort one, again and again, and it stays.
            for _ in 0..<2 {
                let reply = try await api.call(.post, "/v1/keys/claim", json: ["user": "bob", "devices": [1]], as: alice)
                #expect(pqPreKeysVerify(reply))
                let pq = try #require(claimedPQPreKey(reply))
                #expect(pq.lastResort)
                #expect(pq.key == lastResort["key"] as? String)
            }
            #expect(try await Self.count(api, bob)["pq_last_resort_age_s"] as? Int == 120)

            // A new last-resort key replaces the old one, and its age starts again.
            let replacement = bob.pqPreKey()
            #expect(try await api.call(.put, "/v1/keys/pq-last-resort", json: replacement, as: bob).status == 204)
            let reply = try await api.call(.post, "/v1/keys/claim", json: ["user": "bob"], as: alice)
            #expect(claimedPQPreKey(reply)?.key == replacement["key"] as? String)
            #expect(try await Self.count(api, bob)["pq_last_resort_age_s"] as? Int == 0)
        }
    }

    /// Wrong lengths, bad signatures, bad base64, too many keys, past the stock limit, a body over
    /// the prekey routes' limit: each refused with its code and nothing stored.
    @Test(arguments: Backend.allCases)
    func refusalsStoreNothing(backend: Backend) async throws {
        try await withServer(backend) { api in
            let (_, dev) = try await api.readyUser("gina", pqLastResort: false)
            let other = try TestAccount("other").device(1)
            func expectNothingStored() async throws {
                let counted = try await Self.count(api, dev)
                #expect(counted["pq_one_time"] as? Int == 0)
                #expect(counted["pq_last_resort_age_s"] is NSNull)
            }
            var refusals: [(body: [String: Any], code: String)] = []
            for length in [0, 32, 1567, 1569, 3136] {
                let key = randomBytes(length)
                let signature = dev.key.signature(for: SignatureDomain.pqPreKeyV2 + key)
                refusals.append((["key": b64(key), "signature": b64(signature)], "invalid_key"))
            }
            let key = randomBytes(PQPreKeyRecord.keyByteCount)
            let badSignatures: [[UInt8]] = [
                other.key.signature(for: SignatureDomain.pqPreKeyV2 + key),  // another device's key
                dev.key.signature(for: key),  // no domain prefix
                dev.key.signature(for: SignatureDomain.signedPreKeyV2 + key),  // the signed prekey's prefix
                Array(dev.key.signature(for: SignatureDomain.pqPreKeyV2 + key).prefix(63)),  // short
                [],
            ]
            for signature in badSignatures {
                refusals.append((["key": b64(key), "signature": b64(signature)], "invalid_signature"))
            }
            refusals.append((["key": "***", "signature": b64(badSignatures[0])], "invalid_base64"))
            refusals.append((["key": b64(key), "signature": "%%"], "invalid_base64"))
            refusals.append((["key": b64(key)], "malformed_json"))
            for (body, code) in refusals {
                let single = try await api.call(.put, "/v1/keys/pq-last-resort", json: body, as: dev)
                #expect(single.status == 400)
                #expect(single.errorCode == code)
                // The bad key last in a batch of good ones: the whole batch is refused.
                let batch = try await api.call(
                    .post, "/v1/keys/pq-one-time", json: ["keys": dev.pqPreKeys(5) + [body]], as: dev)
                #expect(batch.status == 400)
                #expect(batch.errorCode == code)
            }
            try await expectNothingStored()

            let tooMany = try await api.call(.post, "/v1/keys/pq-one-time", json: ["keys": dev.pqPreKeys(101)], as: dev)
            #expect(tooMany.status == 400)
            #expect(tooMany.errorCode == "too_many_keys")
            try await expectNothingStored()

            // A body over the prekey routes' 256 KiB: refused before it is parsed.
            let padded =
                Array(#"{"keys":[],"pad":""#.utf8) + Array(repeating: UInt8(ascii: "a"), count: 256 * 1024) + Array(#""}"#.utf8)
            let large = try await api.call(.post, "/v1/keys/pq-one-time", raw: padded, as: dev)
            #expect(large.status == 413)
            #expect(large.errorCode == "body_too_large")
            try await expectNothingStored()

            // The stock limit: ten full calls (each about 221 KB, inside the body limit), then one more.
            for round in 0..<10 {
                let body = ["keys": dev.pqPreKeys(100)]
                let bytes = try JSONSerialization.data(withJSONObject: body).count
                #expect(bytes > 200_000 && bytes < ServerLimits().maxPreKeyRequestBytes, "\(bytes)")
                let reply = try await api.call(.post, "/v1/keys/pq-one-time", json: body, as: dev)
                #expect(reply.status == 200)
                #expect(reply.json["pq_one_time"] as? Int == (round + 1) * 100)
            }
            let over = try await api.call(.post, "/v1/keys/pq-one-time", json: ["keys": dev.pqPreKeys(1)], as: dev)
            #expect(over.status == 409)
            #expect(over.errorCode == "prekey_limit")
            #expect(try await Self.count(api, dev)["pq_one_time"] as? Int == 1000)
        }
    }

    /// Without `requirePQPreKeys` a device with no PQ prekey is claimed without `pq_prekey`; with
    /// it the device is left out, as one without a signed prekey is.
    @Test(arguments: Backend.allCases, [false, true])
    func devicesWithoutPQPreKeys(backend: Backend, required: Bool) async throws {
        var limits = ServerLimits()
        limits.requirePQPreKeys = required
        try await withServer(backend, limits: limits) { api in
            let (hank, first) = try await api.readyUser("hank", oneTime: 1, pqLastResort: false)
            let second = try hank.device(2)
            #expect(try await api.call(.post, "/v1/devices", json: try second.linkJSON(), as: first).status == 201)
            #expect(
                try await api.call(.put, "/v1/keys/signed-prekey", json: second.signedPreKey().body, as: second).status == 204)
            #expect(try await api.call(.put, "/v1/keys/pq-last-resort", json: second.pqPreKey(), as: second).status == 204)
            let (_, alice) = try await api.readyUser("alice")

            let all = try await api.call(.post, "/v1/keys/claim", json: ["user": "hank"], as: alice)
            #expect(all.status == 200)
            let bundles = all.json["bundles"] as? [[String: Any]] ?? []
            #expect(bundles.compactMap { $0["device"] as? Int } == (required ? [2] : [1, 2]))
            #expect(pqPreKeysVerify(all))
            #expect((bundles.last?["pq_prekey"] as? [String: Any])?["last_resort"] as? Bool == true)
            if !required {
                #expect(bundles.first?["pq_prekey"] == nil, "absent, not null")
                // Device 1's one-time prekey went out with its bundle.
                #expect(bundles.first?["one_time_prekey"] is String)
            } else {
                // Left out: nothing of device 1 was taken.
                #expect(try await api.call(.get, "/v1/keys/count", as: first).json["one_time"] as? Int == 1)
            }
            let listed = try await api.call(.post, "/v1/keys/claim", json: ["user": "hank", "devices": [1]], as: alice)
            #expect(listed.status == 200)
            #expect((listed.json["bundles"] as? [[String: Any]])?.count == (required ? 0 : 1))
        }
    }

    /// The per-target claim budget covers one-time PQ prekeys: past it a claim gets the bundle
    /// with the last-resort PQ prekey and no one-time prekey, and both stocks stay. A device with
    /// only one-time PQ prekeys is then left out when PQ prekeys are required.
    @Test(arguments: Backend.allCases)
    func targetBudgetCoversPQOneTimePreKeys(backend: Backend) async throws {
        var limits = ServerLimits()
        limits.claimTargetRate = RateLimit(capacity: 2, refillPerMinute: 1)
        limits.requirePQPreKeys = true
        try await withServer(backend, limits: limits) { api in
            let (_, bob) = try await api.readyUser("bob", oneTime: 5, pqLastResort: false)
            let (_, carol) = try await api.readyUser("carol", oneTime: 5, pqLastResort: false)
            for device in [bob, carol] {
                #expect(
                    try await api.call(.post, "/v1/keys/pq-one-time", json: ["keys": device.pqPreKeys(5)], as: device).status
                        == 200)
            }
            #expect(try await api.call(.put, "/v1/keys/pq-last-resort", json: bob.pqPreKey(), as: bob).status == 204)
            var claimers: [TestDevice] = []
            for index in 0..<4 { claimers.append(try await api.readyUser("claimer\(index)").1) }
            var kinds: [Bool] = []
            for claimer in claimers {
                let reply = try await api.call(.post, "/v1/keys/claim", json: ["user": "bob"], as: claimer)
                let bundle = (reply.json["bundles"] as? [[String: Any]])?.first
                kinds.append(try #require(claimedPQPreKey(reply)).lastResort)
                #expect((bundle?["one_time_prekey"] is String) == (kinds.last == false))
            }
            #expect(kinds == [false, false, true, true])
            let left = try await Self.count(api, bob)
            #expect(left["pq_one_time"] as? Int == 3)
            #expect(left["one_time"] as? Int == 3)

            // carol has no last-resort key: within her budget she is claimable, past it left out.
            var counts: [Int] = []
            for claimer in claimers {
                let reply = try await api.call(.post, "/v1/keys/claim", json: ["user": "carol"], as: claimer)
                #expect(reply.status == 200)
                counts.append((reply.json["bundles"] as? [[String: Any]])?.count ?? -1)
            }
            #expect(counts == [1, 1, 0, 0])
            #expect(try await Self.count(api, carol)["pq_one_time"] as? Int == 3)
        }
    }

    /// 50 one-time PQ prekeys and a last-resort one, 200 concurrent claims from 20 devices: each
    /// one-time key exactly once, the other 150 claims the last-resort key.
    @Test(arguments: Backend.allCases)
    func exactlyOnceUnderConcurrentClaims(backend: Backend) async throws {
        var limits = ServerLimits()
        limits.claimTargetRate = RateLimit(capacity: 1000, refillPerMinute: 1000)
        limits.registrationRate = RateLimit(capacity: 1000, refillPerMinute: 1000)
        try await withServer(backend, limits: limits) { api in
            let (_, target) = try await api.readyUser("target", pqLastResort: false)
            let uploaded = target.pqPreKeys(50)
            let lastResort = target.pqPreKey()
            #expect(try await api.call(.post, "/v1/keys/pq-one-time", json: ["keys": uploaded], as: target).status == 200)
            #expect(try await api.call(.put, "/v1/keys/pq-last-resort", json: lastResort, as: target).status == 204)
            var claimers: [TestDevice] = []
            for index in 0..<20 { claimers.append(try await api.readyUser("claimer\(index)").1) }
            let registered = claimers
            let outcomes = try await concurrentPQClaims { attempt in
                try await api.call(.post, "/v1/keys/claim", json: ["user": "target"], as: registered[attempt % registered.count])
            }
            expectPQExactlyOnce(
                outcomes, uploaded: uploaded.compactMap { $0["key"] as? String },
                lastResort: try #require(lastResort["key"] as? String))
            #expect(try await Self.count(api, target)["pq_one_time"] as? Int == 0)
        }
    }
}

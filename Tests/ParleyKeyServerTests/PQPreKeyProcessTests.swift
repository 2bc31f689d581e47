import Foundation
import ParleyTestSupport
import Testing

/// PQ prekeys against real `parley-server` processes on 127.0.0.1: the upload and claim flow
/// through the whole HTTP stack (a full 100-key upload of about 221 KB is admitted), the
/// `--require-pq-prekeys` switch both ways (on by default, `--no-require-pq-prekeys` turns it
/// off), and exactly-once across two processes on one PostgreSQL database.
@Suite("PQ prekeys against a real parley-server", .serialized)
struct PQPreKeyProcessTests {
    /// bob has PQ prekeys, carol has none; alice claims both.
    @Test(arguments: [false, true])
    func uploadAndClaim(required: Bool) async throws {
        try await SenderQuotaProcessTests.withServerProcess(required ? [] : ["--no-require-pq-prekeys"]) { client in
            let bob = try await AbuseLimitProcessTests.readyUser("bob", oneTime: 2, pqLastResort: false, on: client)
            _ = try await AbuseLimitProcessTests.readyUser("carol", pqLastResort: false, on: client)
            let alice = try await AbuseLimitProcessTests.readyUser("alice", on: client)
            let lastResort = bob.pqPreKey()
            #expect(try await client.call(.put, "/v1/keys/pq-last-resort", json: lastResort, as: bob).status == 204)
            let full = bob.pqPreKeys(100)
            let upload = try await client.call(.post, "/v1/keys/pq-one-time", json: ["keys": full], as: bob)
            #expect(upload.status == 200)
            #expect(upload.json["pq_one_time"] as? Int == 100)
            let tooMany = try await client.call(.post, "/v1/keys/pq-one-time", json: ["keys": bob.pqPreKeys(101)], as: bob)
            #expect(tooMany.errorCode == "too_many_keys")

            let claimed = try await client.call(.post, "/v1/keys/claim", json: ["user": "bob"], as: alice)
            #expect(claimed.status == 200)
            #expect(pqPreKeysVerify(claimed))
            let pq = try #require(claimedPQPreKey(claimed))
            #expect(!pq.lastResort)
            #expect(pq.key == full.first?["key"] as? String, "the oldest one-time PQ prekey goes first")
            let counted = try await client.call(.get, "/v1/keys/count", as: bob).json
            #expect(counted["pq_one_time"] as? Int == 99)
            #expect(counted["one_time"] as? Int == 1)
            #expect(counted["pq_last_resort_age_s"] is Int)
            #expect(counted["signed_prekey_age_s"] is Int)

            let carol = try await client.call(.post, "/v1/keys/claim", json: ["user": "carol"], as: alice)
            #expect(carol.status == 200)
            let bundles = carol.json["bundles"] as? [[String: Any]] ?? []
            if required {
                #expect(bundles.isEmpty)
            } else {
                #expect(bundles.count == 1)
                #expect(bundles.first?["pq_prekey"] == nil)
            }
        }
    }

    /// 50 one-time PQ prekeys, 200 concurrent claims from 20 devices through two server processes
    /// on one PostgreSQL database: each one-time key exactly once, the other claims get the
    /// last-resort key.
    @Test(.enabled(if: Backend.postgresURL != nil, "needs PARLEY_TEST_POSTGRES_URL"), .timeLimit(.minutes(4)))
    func exactlyOnceThroughTwoPostgresServers() async throws {
        let generous = [
            "--claim-target-burst", "1000", "--claim-target-per-minute", "1000", "--registration-burst", "1000",
            "--connections-per-address", "1000",
        ]
        try await ScratchDatabase.with { database in
            try await AbuseLimitProcessTests.withTwoServers(database.url, generous) { first, second in
                let target = try await AbuseLimitProcessTests.readyUser("target", pqLastResort: false, on: first)
                let uploaded = target.pqPreKeys(50)
                let lastResort = target.pqPreKey()
                #expect(
                    try await second.call(.post, "/v1/keys/pq-one-time", json: ["keys": uploaded], as: target).status == 200)
                #expect(try await first.call(.put, "/v1/keys/pq-last-resort", json: lastResort, as: target).status == 204)
                var claimers: [TestDevice] = []
                for index in 0..<20 {
                    let client = index.isMultiple(of: 2) ? first : second
                    claimers.append(try await AbuseLimitProcessTests.readyUser("claimer\(index)", on: client))
                }
                // Each claimer always through the same process, whose client's clock stamps its
                // requests: two clients' clocks could give one device the same timestamp twice.
                let registered = claimers
                let outcomes = try await concurrentPQClaims { attempt in
                    let client = attempt.isMultiple(of: 2) ? first : second
                    return try await client.call(
                        .post, "/v1/keys/claim", json: ["user": "target"], as: registered[attempt % registered.count])
                }
                expectPQExactlyOnce(
                    outcomes, uploaded: uploaded.compactMap { $0["key"] as? String },
                    lastResort: try #require(lastResort["key"] as? String))
                #expect(try await second.call(.get, "/v1/keys/count", as: target).json["pq_one_time"] as? Int == 0)
            }
        }
    }
}

import Foundation
import Testing

@testable import ParleyKeyServer

/// One-time PQ prekeys are handed out exactly once across server instances sharing one database
/// (one SQLite file, one PostgreSQL schema), as one-time prekeys are (``SharedDatabaseTests``).
@Suite("PQ prekeys across server instances on one database")
struct PQSharedDatabaseTests {
    /// 50 one-time PQ prekeys and a last-resort one, 200 concurrent claims from 20 devices spread
    /// over two live instances on 127.0.0.1: each one-time key exactly once, the rest last resort.
    @Test(arguments: Backend.sharedCases)
    func exactlyOnceAcrossTwoInstances(backend: Backend) async throws {
        try await SharedDatabaseTests.withTwoLiveInstances(backend) { first, second in
            let (_, target) = try await first.readyUser("target", pqLastResort: false)
            let uploaded = target.pqPreKeys(50)
            let lastResort = target.pqPreKey()
            #expect(try await second.call(.post, "/v1/keys/pq-one-time", json: ["keys": uploaded], as: target).status == 200)
            #expect(try await first.call(.put, "/v1/keys/pq-last-resort", json: lastResort, as: target).status == 204)
            var claimers: [TestDevice] = []
            for index in 0..<20 {
                let api = index.isMultiple(of: 2) ? first : second
                claimers.append(try await api.readyUser("claimer\(index)").1)
            }
            let registered = claimers
            let outcomes = try await concurrentPQClaims { attempt in
                let api = attempt.isMultiple(of: 2) ? first : second
                return try await api.call(
                    .post, "/v1/keys/claim", json: ["user": "target"], as: registered[(attempt / 2) % registered.count])
            }
            expectPQExactlyOnce(
                outcomes, uploaded: uploaded.compactMap { $0["key"] as? String },
                lastResort: try #require(lastResort["key"] as? String))
            #expect(try await second.call(.get, "/v1/keys/count", as: target).json["pq_one_time"] as? Int == 0)
        }
    }
}

import Foundation
import Testing

@testable import ParleyKeyServer

/// Token buckets per device on claims and sends (Specs/server-api.md §4).
@Suite("Rate limits")
struct RateLimitTests {
    @Test func bucketAllowsBurstThenRefillsEvenly() {
        // 3 tokens, 6 a minute: one token every 10 s.
        var bucket = TokenBucket(rate: RateLimit(capacity: 3, refillPerMinute: 6), now: 0)
        #expect(bucket.take(at: 0) == .allowed)
        #expect(bucket.take(at: 0) == .allowed)
        #expect(bucket.take(at: 0) == .allowed)
        #expect(bucket.take(at: 0) == .limited(retryAfterSeconds: 10))
        #expect(bucket.take(at: 9_001) == .limited(retryAfterSeconds: 1))
        #expect(bucket.take(at: 10_000) == .allowed)
        #expect(bucket.take(at: 10_000) == .limited(retryAfterSeconds: 10))
        // A clock that goes back adds nothing; a long pause fills the bucket and no more.
        #expect(bucket.take(at: 5_000) == .limited(retryAfterSeconds: 10))
        for _ in 0..<3 { #expect(bucket.take(at: 10_000_000) == .allowed) }
        #expect(bucket.take(at: 10_000_000) == .limited(retryAfterSeconds: 10))
        #expect(!bucket.isFull(at: 10_000_000))
        #expect(bucket.isFull(at: 10_030_000))
    }

    @Test func fastRefillStillAsksForAtLeastOneSecond() {
        var bucket = TokenBucket(rate: RateLimit(capacity: 1, refillPerMinute: RateLimit.maximum), now: 0)
        #expect(bucket.take(at: 0) == .allowed)
        #expect(bucket.take(at: 0) == .limited(retryAfterSeconds: 1))
    }

    /// One device claiming in a loop is stopped before it drains the stock; another device is not
    /// affected; after the refill time the first may claim once more.
    @Test(arguments: Backend.allCases)
    func claimLoopCannotDrainOneTimePreKeys(backend: Backend) async throws {
        var limits = ServerLimits()
        limits.claimRate = RateLimit(capacity: 5, refillPerMinute: 6)
        try await withServer(backend, limits: limits) { api in
            let (_, bob) = try await api.readyUser("bob", oneTime: 100)
            let (_, mallory) = try await api.readyUser("mallory")
            var granted = 0
            var refusal: Reply?
            for _ in 0..<50 {
                let reply = try await api.call(.post, "/v1/keys/claim", json: ["user": "bob"], as: mallory)
                guard reply.status == 200 else {
                    refusal = reply
                    break
                }
                granted += 1
            }
            #expect(granted == 5)
            let limited = try #require(refusal)
            #expect(limited.status == 429)
            #expect(limited.errorCode == "rate_limited")
            #expect(limited.json["message"] is String)
            // One token every 10 s; the test clock also moves with real time while the loop runs.
            #expect((1...10).contains(limited.retryAfter ?? 0))
            // The refused claim took nothing.
            #expect(try await api.call(.get, "/v1/keys/count", as: bob).json["one_time"] as? Int == 95)

            let (_, carol) = try await api.readyUser("carol")
            #expect(try await api.call(.post, "/v1/keys/claim", json: ["user": "bob"], as: carol).status == 200)

            api.clock.advance(milliseconds: 10_000)
            #expect(try await api.call(.post, "/v1/keys/claim", json: ["user": "bob"], as: mallory).status == 200)
            #expect(try await api.call(.post, "/v1/keys/claim", json: ["user": "bob"], as: mallory).status == 429)
            #expect(try await api.call(.get, "/v1/keys/count", as: bob).json["one_time"] as? Int == 93)
        }
    }

    @Test(arguments: Backend.allCases)
    func sendsAreLimitedPerDevice(backend: Backend) async throws {
        var limits = ServerLimits()
        limits.sendRate = RateLimit(capacity: 2, refillPerMinute: 1)
        try await withServer(backend, limits: limits) { api in
            let (_, bob) = try await api.readyUser("bob")
            let (_, alice) = try await api.readyUser("alice")
            let message = ["messages": [["user": "bob", "device": 1, "body": b64([1, 2, 3])]]]
            #expect(try await api.call(.put, "/v1/messages", json: message, as: alice).status == 200)
            #expect(try await api.call(.put, "/v1/messages", json: message, as: alice).status == 200)
            let limited = try await api.call(.put, "/v1/messages", json: message, as: alice)
            #expect(limited.status == 429)
            #expect(limited.errorCode == "rate_limited")
            #expect((50...60).contains(limited.retryAfter ?? 0))
            // Another device's bucket is its own.
            let toAlice = ["messages": [["user": "alice", "device": 1, "body": b64([4])]]]
            #expect(try await api.call(.put, "/v1/messages", json: toAlice, as: bob).status == 200)
            // Fetching is not limited, and the refused send stored nothing.
            let fetched = try await api.call(.get, "/v1/messages", as: bob)
            #expect((fetched.json["messages"] as? [Any])?.count == 2)
            api.clock.advance(milliseconds: 60_000)
            #expect(try await api.call(.put, "/v1/messages", json: message, as: alice).status == 200)
        }
    }
}

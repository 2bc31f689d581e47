import Foundation
import HTTPTypes
import NIOCore
import Testing

@testable import ParleyKeyServer

/// The abuse limits in-process, on the test clock (Specs/server-api.md §4.3): what refills when,
/// and whom a per-address limit counts. The attacks themselves run against real processes in
/// `AbuseLimitProcessTests`.
@Suite("Abuse limits")
struct AbuseLimitTests {
    /// Claims by fresh devices: the target's budget (3, one a minute) goes out with one-time
    /// prekeys, later bundles come without one and leave the stock alone, and a minute later one
    /// more key goes out. Every claim is answered 200.
    @Test(arguments: Backend.allCases)
    func theTargetsBudgetRefillsWithTheClock(backend: Backend) async throws {
        var limits = ServerLimits()
        limits.claimTargetRate = RateLimit(capacity: 3, refillPerMinute: 1)
        try await withServer(backend, limits: limits) { api in
            let (_, bob) = try await api.readyUser("bob", oneTime: 10)
            var oneTime: [Bool] = []
            for index in 0..<5 {
                let (_, claimer) = try await api.readyUser("fresh\(index)")
                let reply = try await api.call(.post, "/v1/keys/claim", json: ["user": "bob"], as: claimer)
                #expect(reply.status == 200)
                oneTime.append((reply.json["bundles"] as? [[String: Any]])?.first?["one_time_prekey"] is String)
            }
            #expect(oneTime == [true, true, true, false, false])
            #expect(try await api.call(.get, "/v1/keys/count", as: bob).json["one_time"] as? Int == 7)
            api.clock.advance(milliseconds: 60_000)
            let (_, late) = try await api.readyUser("late")
            let reply = try await api.call(.post, "/v1/keys/claim", json: ["user": "bob"], as: late)
            #expect((reply.json["bundles"] as? [[String: Any]])?.first?["one_time_prekey"] is String)
            #expect(try await api.call(.get, "/v1/keys/count", as: bob).json["one_time"] as? Int == 6)
        }
    }

    /// Lookups per calling device: past the burst `429` with a retry hint, a token back after the
    /// refill time, and another device unaffected.
    @Test func lookupsRefillWithTheClock() async throws {
        var limits = ServerLimits()
        limits.lookupRate = RateLimit(capacity: 2, refillPerMinute: 6)
        try await withServer(.memory, limits: limits) { api in
            let (_, alice) = try await api.readyUser("alice")
            let (_, mallory) = try await api.readyUser("mallory")
            #expect(try await api.call(.get, "/v1/users/guess1/devices", as: mallory).status == 404)
            #expect(try await api.call(.get, "/v1/users/guess2/devices", as: mallory).status == 404)
            let limited = try await api.call(.get, "/v1/users/guess3/devices", as: mallory)
            #expect(limited.status == 429)
            #expect(limited.errorCode == "rate_limited")
            #expect(limited.retryAfter == 10)
            #expect(try await api.call(.get, "/v1/users/mallory/devices", as: alice).status == 200)
            api.clock.advance(milliseconds: 10_000)
            #expect(try await api.call(.get, "/v1/users/guess3/devices", as: mallory).status == 404)
        }
    }

    @Test func theClientAddressIsThePeerUnlessTheProxyIsTrusted() throws {
        let peer = try SocketAddress(ipAddress: "127.0.0.1", port: 5000)
        var headers = HTTPFields()
        let forwarded = try #require(HTTPField.Name("X-Forwarded-For"))
        headers[forwarded] = "10.9.9.9, 203.0.113.7"
        // Untrusted peer: its own address, whatever the header says.
        #expect(ClientAddress(peer: peer, headers: headers, trustedProxies: []).text == "127.0.0.1")
        // Trusted: the last entry, the one the proxy appended.
        #expect(ClientAddress(peer: peer, headers: headers, trustedProxies: ["127.0.0.1"]).text == "203.0.113.7")
        // A last entry that is not an address, or far too long, leaves the proxy's.
        headers[forwarded] = "203.0.113.7, not-an-address"
        #expect(ClientAddress(peer: peer, headers: headers, trustedProxies: ["127.0.0.1"]).text == "127.0.0.1")
        headers[forwarded] = String(repeating: "1", count: 10_000)
        #expect(ClientAddress(peer: peer, headers: headers, trustedProxies: ["127.0.0.1"]).text == "127.0.0.1")
        // No socket (in-process): one shared address.
        #expect(ClientAddress(peer: nil, headers: headers, trustedProxies: []).text == "unknown")
    }

    @Test func anIPv6ClientCountsByItsSlash64AndAMappedIPv4ByItsIPv4() throws {
        let first = try SocketAddress(ipAddress: "2001:db8:1:2:aaaa::1", port: 1)
        let second = try SocketAddress(ipAddress: "2001:db8:1:2:bbbb::2", port: 1)
        let other = try SocketAddress(ipAddress: "2001:db8:1:3::1", port: 1)
        let mapped = try SocketAddress(ipAddress: "::ffff:192.0.2.5", port: 1)
        let key = { (address: SocketAddress) in ClientAddress(peer: address, headers: [:], trustedProxies: []).text }
        #expect(key(first) == "2001:db8:1:2::/64")
        #expect(key(first) == key(second))
        #expect(key(first) != key(other))
        #expect(key(mapped) == "192.0.2.5")
    }

    @Test func trustedProxiesMustBeIPAddresses() {
        #expect((try? ServerOptions.parseTrustedProxies(["127.0.0.1", " ::1"]).get()) == ["127.0.0.1", "::1"])
        #expect((try? ServerOptions.parseTrustedProxies(["proxy.example"]).get()) == nil)
        #expect((try? ServerOptions.parseTrustedProxies(["10.0.0.0/8"]).get()) == nil)
    }
}

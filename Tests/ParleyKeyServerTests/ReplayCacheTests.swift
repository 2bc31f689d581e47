import Foundation
import Testing

@testable import ParleyKeyServer

#if canImport(Glibc)
    import Glibc
#endif

/// The in-memory replay cache and the SQLite backend's journal behind it (Specs/server-api.md §2).
@Suite("Replay cache")
struct ReplayCacheTests {
    private static let window: Int64 = 300_000
    private let alice = DeviceAddress(user: try! UserID("alice"), device: 1)
    private let bob = DeviceAddress(user: try! UserID("bob"), device: 1)

    private static func signature(_ seed: Int) -> [UInt8] {
        (0..<64).map { UInt8(truncatingIfNeeded: seed &+ $0 &* 7) }
    }

    /// Opens the SQLite storage at `path`, retrying for up to 30 s while the lock is still held.
    private static func reopen(_ path: String) throws -> SQLiteKeyServerStorage {
        for _ in 0..<600 {
            do {
                return try SQLiteKeyServerStorage(path: path)
            } catch SQLiteStorageError.databaseInUse {
                usleep(50_000)
            }
        }
        return try SQLiteKeyServerStorage(path: path)
    }

    /// Records one signature per seed, each expected to be new.
    private static func fill(
        _ cache: ReplayCache, seeds: Range<Int>, quota: ReplayCache.Quota, expiresAt: Int64, now: Int64
    ) throws {
        for seed in seeds {
            #expect(try cache.record(ReplayCache.Key(signature: signature(seed)), quota: quota, expiresAt: expiresAt, now: now))
        }
    }

    /// Records the signature of `seed`; false for a replay.
    private static func record(
        _ cache: ReplayCache, _ seed: Int, _ quota: ReplayCache.Quota, expiresAt: Int64, now: Int64
    ) throws -> Bool {
        try cache.record(ReplayCache.Key(signature: signature(seed)), quota: quota, expiresAt: expiresAt, now: now)
    }

    @Test func aSignatureIsAcceptedOnceInsideItsWindow() throws {
        let cache = ReplayCache(limits: ReplayCacheLimits(records: 100, recordsPerDevice: 100))
        let now: Int64 = 1_800_000_000_000
        let key = ReplayCache.Key(signature: Self.signature(1))
        #expect(try cache.record(key, quota: .device(alice), expiresAt: now + Self.window, now: now))
        // Replayed just before the record expires, and by another device: still a replay.
        #expect(try !cache.record(key, quota: .device(alice), expiresAt: now + Self.window, now: now + Self.window))
        #expect(try !cache.record(key, quota: .device(bob), expiresAt: now + Self.window, now: now + 1))
        #expect(
            try cache.record(ReplayCache.Key(signature: Self.signature(2)), quota: .device(alice), expiresAt: now + 5, now: now))
        // Once the window has moved past both, their records are gone.
        cache.prune(at: now + Self.window + 1000)
        #expect(cache.count == 0)
        // A record already expired is refused, not stored.
        #expect(try !cache.record(key, quota: .device(alice), expiresAt: now, now: now + 1))
        #expect(cache.count == 0)
    }

    @Test func aDeviceAtItsBoundIsRefusedAndOthersAreNot() throws {
        let cache = ReplayCache(limits: ReplayCacheLimits(records: 5, recordsPerDevice: 3))
        let now: Int64 = 1_800_000_000_000
        try Self.fill(cache, seeds: 0..<3, quota: .device(alice), expiresAt: now + 2000, now: now)
        // Alice is at her bound: refused with a retry hint, nothing evicted.
        #expect(throws: ServerError.rateLimited(retryAfterSeconds: 3)) {
            try cache.record(
                ReplayCache.Key(signature: Self.signature(10)), quota: .device(alice), expiresAt: now + 2000, now: now)
        }
        #expect(
            try !cache.record(
                ReplayCache.Key(signature: Self.signature(0)), quota: .device(alice), expiresAt: now + 2000, now: now))
        try Self.fill(cache, seeds: 20..<22, quota: .device(bob), expiresAt: now + 2000, now: now)
        // Once records expire there is room again.
        #expect(
            try cache.record(
                ReplayCache.Key(signature: Self.signature(10)), quota: .device(alice), expiresAt: now + 9000, now: now + 3000))
    }

    /// A full cache makes room from the quotas holding the most (their oldest records, down to a
    /// common level), and raises their floors: a dropped record's request is still a replay, and
    /// a device holding a few records is untouched.
    @Test func aFullCacheDropsTheHeaviestQuotasOldestRecordsBehindAFloor() throws {
        let cache = ReplayCache(limits: ReplayCacheLimits(records: 20, recordsPerDevice: 10))
        let now: Int64 = 1_800_000_000_000
        let mallory = DeviceAddress(user: try UserID("mallory"), device: 1)
        let carol = DeviceAddress(user: try UserID("carol"), device: 1)
        for seed in 0..<10 {
            let expiresAt = now + 1000 * Int64(seed + 1)
            #expect(try Self.record(cache, seed, .device(mallory), expiresAt: expiresAt, now: now))
            #expect(try Self.record(cache, 100 + seed, .device(bob), expiresAt: expiresAt, now: now))
        }
        #expect(cache.count == 20)
        // Alice gets in: mallory and bob each lose their oldest record.
        #expect(try Self.record(cache, 200, .device(alice), expiresAt: now + 500, now: now))
        #expect(cache.count == 19)
        // Mallory's dropped request (expiring at now + 1000) is still a replay; so is an older one.
        #expect(try !Self.record(cache, 0, .device(mallory), expiresAt: now + 1000, now: now))
        #expect(try !Self.record(cache, 300, .device(mallory), expiresAt: now + 999, now: now))
        // A newer one is not.
        #expect(try Self.record(cache, 301, .device(mallory), expiresAt: now + 20_000, now: now))
        // Alice's floor did not move: an older request of hers is accepted.
        #expect(try Self.record(cache, 201, .device(alice), expiresAt: now + 400, now: now))
        #expect(try Self.record(cache, 400, .device(carol), expiresAt: now + 400, now: now))
        // Floors go once they have passed.
        cache.prune(at: now + 30_000)
        #expect(cache.count == 0)
        #expect(try Self.record(cache, 500, .device(mallory), expiresAt: now + 40_000, now: now + 30_000))
    }

    /// Requests signed with keys not registered yet (anyone can make those) count per address
    /// being registered, apart from the registered device's bound and from other addresses'.
    @Test func registrationsCountPerAddressApartFromDevices() throws {
        let cache = ReplayCache(limits: ReplayCacheLimits(records: 100, recordsPerDevice: 2))
        let now: Int64 = 1_800_000_000_000
        try Self.fill(cache, seeds: 0..<2, quota: .registering(bob), expiresAt: now + 1000, now: now)
        #expect(throws: ServerError.self) {
            try Self.record(cache, 5, .registering(bob), expiresAt: now + 1000, now: now)
        }
        #expect(try Self.record(cache, 6, .registering(alice), expiresAt: now + 1000, now: now))
        #expect(try Self.record(cache, 7, .device(bob), expiresAt: now + 1000, now: now))
    }

    @Test func sqliteKeepsRecordsAcrossReopeningAndLocksOutOtherOpeners() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("parley-replay-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("server.sqlite").path
        let now = ServerClock.system.now()
        do {
            let storage = try SQLiteKeyServerStorage(path: path)
            #expect(
                try storage.recordSignature(
                    Self.signature(1), by: alice, registering: false, expiresAt: now + Self.window, now: now))
            // Another storage of this process on the same file shares the records.
            let second = try SQLiteKeyServerStorage(path: path)
            #expect(
                try !second.recordSignature(
                    Self.signature(1), by: alice, registering: false, expiresAt: now + Self.window, now: now))
            // What a second process would do: its own lock on the file fails while these live.
            let descriptor = open(path + "-replay/lock", O_RDWR)
            defer { close(descriptor) }
            #expect(descriptor >= 0)
            #expect(flock(descriptor, LOCK_EX | LOCK_NB) != 0)
        }
        // Reopened (as after a restart): the journal still knows the signature. The lock goes when
        // the last descriptor of its open file does; a child process that another test is
        // spawning right then holds a copy until it execs, so the reopening may wait a little.
        let reopened = try Self.reopen(path)
        #expect(
            try !reopened.recordSignature(
                Self.signature(1), by: alice, registering: false, expiresAt: now + Self.window, now: now + 1))
        #expect(
            try reopened.recordSignature(
                Self.signature(2), by: alice, registering: false, expiresAt: now + Self.window, now: now + 1))
    }
}

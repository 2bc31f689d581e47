import Foundation
import ParleyCrypto

/// The signatures of accepted requests still inside the replay window, in memory (Specs/server-api.md §2).
///
/// A record lives until its request's timestamp + 300 s; after that the timestamp check rejects
/// the request anyway, so records are dropped second by second as the window moves. Memory is
/// bounded: at most ``ReplayCacheLimits/records`` records in all and
/// ``ReplayCacheLimits/recordsPerDevice`` per ``Quota``.
///
/// A quota at its own bound is refused (`429`): only that device waits. A full cache makes room
/// instead of refusing everyone: the quotas holding the most records lose their oldest ones down to
/// a common level (never below one record each), and each such quota's *floor* rises to the latest
/// expiry it lost. A request of that quota expiring at or before its floor is refused as a replay,
/// so a dropped record's request still cannot be replayed; the cost falls on the heavy quotas
/// (their requests older than the floor are refused), not on devices that sent a few requests.
/// Filling the cache for everyone would take as many devices as it holds records.
final class ReplayCache: @unchecked Sendable {
    /// A record's key: the first 128 bits of SHA-256 of the signature (no collision can be aimed
    /// at a signature not yet made).
    struct Key: Hashable, Sendable {
        let high: UInt64
        let low: UInt64

        init(signature: [UInt8]) {
            let digest = SHA256.hash(signature)
            var high: UInt64 = 0
            var low: UInt64 = 0
            for index in 0..<8 {
                high = high << 8 | UInt64(digest[index])
                low = low << 8 | UInt64(digest[8 + index])
            }
            self.init(high: high, low: low)
        }

        init(high: UInt64, low: UInt64) {
            self.high = high
            self.low = low
        }
    }

    /// Whose bound a record counts against.
    enum Quota: Hashable, Sendable {
        /// A registered device's requests.
        case device(DeviceAddress)
        /// Requests signed with a key that is not registered yet (a registration, a new device
        /// proving possession) for this address: apart from the registered device's own quota,
        /// so that nobody can use up a registered device's bound by signing with keys of their
        /// own under its address, and apart from other addresses', so that nobody can block
        /// every sign-up by flooding one shared bound.
        case registering(DeviceAddress)
    }

    private struct Record {
        let expiresAt: Int64
        /// Nil for records read back from a journal (they count only towards the total).
        let quota: Quota?
    }

    let limits: ReplayCacheLimits
    // Guarded by `lock`.
    private let lock = NSLock()
    private var records: [Key: Record] = [:]
    /// Keys by the second their records expire in.
    private var expiring: [Int64: [Key]] = [:]
    private var perQuota: [Quota: Int] = [:]
    /// Per quota that lost records to make room: requests of that quota expiring at or before this
    /// (Unix ms) are refused as replays. Dropped once the floor has passed (see ``prune(now:)``).
    private var floors: [Quota: Int64] = [:]
    /// Seconds before this one have been pruned.
    private var prunedBefore: Int64?

    /// An empty cache.
    init(limits: ReplayCacheLimits) {
        self.limits = limits
    }

    /// How many records are held.
    var count: Int { lock.withLock { records.count } }

    /// Records a verified request's signature unless it is already recorded.
    /// - Parameters:
    ///   - key: the signature's key.
    ///   - quota: whose bound the record counts against.
    ///   - expiresAt: the request's timestamp + the window (Unix ms).
    ///   - now: the server's time (Unix ms).
    ///   - beforeInsert: runs (under the cache's lock) once the record is known to be new and
    ///     within bounds, before it is inserted; if it throws nothing is recorded.
    /// - Returns: false for a replay (or a record already expired, or one at or below its quota's
    ///   floor).
    /// - Throws: ``ServerError/rateLimited(retryAfterSeconds:)`` when the quota is at its bound
    ///   (or the cache is full of quotas holding one record each), or what `beforeInsert` throws.
    func record(
        _ key: Key, quota: Quota, expiresAt: Int64, now: Int64, beforeInsert: () throws -> Void = {}
    ) throws -> Bool {
        try lock.withLock {
            prune(now: now)
            guard expiresAt >= now, records[key] == nil, expiresAt > floors[quota] ?? Int64.min else { return false }
            guard perQuota[quota, default: 0] < limits.recordsPerDevice else {
                throw ServerError.rateLimited(retryAfterSeconds: retryAfter(now: now))
            }
            if records.count >= limits.records { makeRoom() }
            // Making room may have raised this quota's own floor past the request (it was among
            // the heaviest): refused like a full quota, not as a replay, since it is none.
            guard records.count < limits.records, expiresAt > floors[quota] ?? Int64.min else {
                throw ServerError.rateLimited(retryAfterSeconds: retryAfter(now: now))
            }
            try beforeInsert()
            insert(key, Record(expiresAt: expiresAt, quota: quota))
            perQuota[quota, default: 0] += 1
            return true
        }
    }

    /// Adds a record read back from a journal (skipped when expired, present, or over the total).
    func restore(_ key: Key, expiresAt: Int64, now: Int64) {
        lock.withLock {
            guard expiresAt >= now, records[key] == nil, records.count < limits.records else { return }
            insert(key, Record(expiresAt: expiresAt, quota: nil))
        }
    }

    /// Drops records expired at `now`.
    func prune(at now: Int64) {
        lock.withLock { prune(now: now) }
    }

    // MARK: Under the lock

    private func insert(_ key: Key, _ record: Record) {
        records[key] = record
        // Requests read the clock before they take the lock, so `now` can run slightly backwards:
        // a record for a second already pruned goes into the first one not pruned (kept longer,
        // never lost).
        expiring[max(record.expiresAt / 1000, prunedBefore ?? Int64.min), default: []].append(key)
    }

    /// Drops every second of records that ended before `now`'s second (each expired at `now`).
    private func prune(now: Int64) {
        let current = now / 1000
        guard var second = prunedBefore else {
            prunedBefore = expiring.keys.min().map { min($0, current) } ?? current
            return prune(now: now)
        }
        // At most one pass over the window's seconds per call, however far the clock jumped.
        if current - second > 2 * 3600 { second = expiring.keys.min() ?? current }
        while second < current {
            for key in expiring.removeValue(forKey: second) ?? [] {
                guard let record = records.removeValue(forKey: key) else { continue }
                if let quota = record.quota {
                    let held = (perQuota[quota] ?? 1) - 1
                    perQuota[quota] = held > 0 ? held : nil
                }
            }
            second += 1
        }
        let moved = second > (prunedBefore ?? second)
        prunedBefore = max(second, prunedBefore ?? second)
        // A floor before `now` refuses nothing the timestamp check lets through; swept once a
        // second, not on every request.
        if moved, !floors.isEmpty { floors = floors.filter { $0.value >= now } }
    }

    /// Frees at least a tenth of the records (when it can): the quotas holding the most lose
    /// their oldest records down to a common level of at least one record, and their floors rise
    /// to the latest expiry each lost. One pass over the records, once per tenth of the bound.
    private func makeRoom() {
        let target = max(1, limits.records / 10)
        let counts = perQuota.values.sorted(by: >)
        // The highest level L ≥ 1 with Σ max(0, count − L) ≥ target, found over the sorted counts.
        var level: Int?
        var sum = 0
        for (index, count) in counts.enumerated() {
            sum += count
            let next = index + 1 < counts.count ? counts[index + 1] : 0
            let quotas = index + 1
            if sum - quotas * max(next, 1) >= target {
                level = max(next, 1, (sum - target) / quotas)
                break
            }
        }
        // Not enough above one record each: free what there is above one.
        let keep = level ?? 1
        var excess: [Quota: Int] = [:]
        for (quota, count) in perQuota where count > keep { excess[quota] = count - keep }
        guard !excess.isEmpty else { return }
        for second in expiring.keys.sorted() {
            guard !excess.isEmpty, var keys = expiring[second] else { break }
            keys.removeAll { key in
                guard let record = records[key], let quota = record.quota, let left = excess[quota] else { return false }
                records[key] = nil
                excess[quota] = left > 1 ? left - 1 : nil
                perQuota[quota, default: 1] -= 1
                floors[quota] = max(floors[quota] ?? Int64.min, record.expiresAt)
                return true
            }
            expiring[second] = keys.isEmpty ? nil : keys
        }
    }

    /// Whole seconds until the earliest record expires (at least 1).
    private func retryAfter(now: Int64) -> Int {
        guard let earliest = expiring.keys.min() else { return 1 }
        return max(1, Int(earliest + 1 - now / 1000))
    }
}

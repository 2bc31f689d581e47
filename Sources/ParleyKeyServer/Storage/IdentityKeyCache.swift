import Foundation
import ParleyCrypto

/// Identity keys of registered devices, kept in memory by ``SQLiteKeyServerStorage`` so that
/// authenticating a request needs no database read.
///
/// Sound only because an SQLite database belongs to one server process (``SQLiteProcessState``
/// holds its lock): a device's key never changes while it is registered, and removing a device
/// goes through this process, which calls ``invalidate(_:)`` after the removal commits. A lookup
/// that read the database before a removal cannot put the removed key back: ``store(_:for:ifGeneration:)``
/// stores only if no invalidation happened since the lookup began. Bounded: when full it starts
/// over empty (only a cost, never a wrong answer).
final class IdentityKeyCache: @unchecked Sendable {
    /// Most keys held: 100,000 devices (a few MB).
    static let capacity = 100_000

    // Guarded by `lock`.
    private let lock = NSLock()
    private var keys: [DeviceAddress: Ed25519.PublicKey] = [:]
    private var invalidations: UInt64 = 0

    /// The cached key of `address`, or nil when not cached.
    func key(of address: DeviceAddress) -> Ed25519.PublicKey? {
        lock.withLock { keys[address] }
    }

    /// The invalidation count, read before a database lookup.
    var generation: UInt64 {
        lock.withLock { invalidations }
    }

    /// Caches a key read from the database, unless a device was removed since `generation` was read.
    func store(_ key: Ed25519.PublicKey, for address: DeviceAddress, ifGeneration generation: UInt64) {
        lock.withLock {
            guard invalidations == generation else { return }
            if keys.count >= Self.capacity { keys.removeAll(keepingCapacity: true) }
            keys[address] = key
        }
    }

    /// Forgets `address` (its device was removed) and voids lookups in flight.
    func invalidate(_ address: DeviceAddress) {
        lock.withLock {
            invalidations &+= 1
            keys[address] = nil
        }
    }
}

import ParleyCrypto

/// Message keys of messages that have not arrived yet, by (ratchet key, message number).
///
/// Bounded by ``ParleyV1/maxStoredSkippedKeys``: beyond that the oldest keys (in the order they
/// were stored) are dropped, and those messages then fail as duplicates.
struct SkippedMessageKeys: Sendable {
    struct Identifier: Hashable, Sendable {
        let ratchetKey: X25519.PublicKey
        let messageNumber: UInt64
    }

    private struct Entry: Sendable {
        let key: SecureBytes
        let sequence: UInt64
    }

    private var entries: [Identifier: Entry] = [:]
    private var nextSequence: UInt64 = 0

    var count: Int { entries.count }
    var isEmpty: Bool { entries.isEmpty }

    func key(ratchetKey: X25519.PublicKey, messageNumber: UInt64) -> SecureBytes? {
        guard !entries.isEmpty else { return nil }
        return entries[Identifier(ratchetKey: ratchetKey, messageNumber: messageNumber)]?.key
    }

    mutating func insert(_ key: SecureBytes, ratchetKey: X25519.PublicKey, messageNumber: UInt64) {
        entries[Identifier(ratchetKey: ratchetKey, messageNumber: messageNumber)] = Entry(key: key, sequence: nextSequence)
        nextSequence += 1
    }

    mutating func remove(ratchetKey: X25519.PublicKey, messageNumber: UInt64) {
        entries[Identifier(ratchetKey: ratchetKey, messageNumber: messageNumber)] = nil
    }

    /// Drops the oldest keys until at most `limit` remain.
    mutating func trim(to limit: Int) {
        guard entries.count > limit else { return }
        let oldest = entries.sorted { $0.value.sequence < $1.value.sequence }.prefix(entries.count - limit)
        for (identifier, _) in oldest { entries[identifier] = nil }
    }

    /// All keys, oldest first (for the serialised form).
    var inInsertionOrder: [(identifier: Identifier, key: SecureBytes)] {
        entries.sorted { $0.value.sequence < $1.value.sequence }.map { ($0.key, $0.value.key) }
    }
}

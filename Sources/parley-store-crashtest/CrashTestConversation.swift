import ParleyCrypto
import ParleyProtocol
import ParleyStore
import ParleyVectors

/// The send/receive loop between Alice's and Bob's stores, with a fake server in between that
/// hands every outbox item straight to the peer's store.
///
/// Texts are `"alice <n>"` and `"bob <n>"`, numbered on from the sender's outgoing history, so
/// every text is unique across runs. An envelope id is the sender's user id and the hash of
/// the wire bytes: a retried outbox item gets the id it had before (a server that deduplicates
/// submissions), a different message never does. (The outbox row id would not do: the store
/// hands out MAX(id) + 1, so an id comes back once the outbox has been emptied.)
struct CrashTestConversation {
    /// Most messages an outbox holds before they are delivered.
    static let pileLimit = 6

    let stores: CrashTestStores
    let log: WireLog
    let stop: CrashTestStopPoint
    private var random: SplitMix64
    private var nextNumber: [String: Int]
    private var clock: Int64 = 0
    /// Wire messages delivered by this run.
    private(set) var delivered = 0

    init(stores: CrashTestStores, log: WireLog, seed: UInt64, stop: CrashTestStopPoint) async throws {
        self.stores = stores
        self.log = log
        self.stop = stop
        random = SplitMix64(seed: seed)
        let aliceSent = try await stores.alice.history(conversation: CrashTestStores.bob.user, limit: Int.max)
        let bobSent = try await stores.bob.history(conversation: CrashTestStores.alice.user, limit: Int.max)
        nextNumber = [
            CrashTestStores.alice.user: aliceSent.filter { $0.direction == .outgoing }.count + 1,
            CrashTestStores.bob.user: bobSent.filter { $0.direction == .outgoing }.count + 1,
        ]
    }

    /// Alice sends; one time in three Bob replies (once her first message has given him a
    /// session); three times in four (or when an outbox is
    /// full) the outboxes are delivered, shuffled, and one time in four of those only part of them.
    mutating func round() async throws {
        try await send(from: CrashTestStores.alice, to: CrashTestStores.bob)
        if random.next() % 3 == 0, try await stores.bob.sessionRecord(for: CrashTestStores.alice) != nil {
            try await send(from: CrashTestStores.bob, to: CrashTestStores.alice)
        }
        let piled = max(try await stores.alice.outbox().count, try await stores.bob.outbox().count)
        guard piled >= Self.pileLimit || random.next() % 4 != 0 else { return }
        _ = try await deliver(shuffled: true, partly: random.next() % 4 == 0)
    }

    /// Delivers every item of both outboxes.
    ///
    /// - Returns: how many were delivered.
    mutating func deliverEverything(shuffled: Bool) async throws -> Int {
        try await deliver(shuffled: shuffled, partly: false)
    }

    private mutating func send(from sender: PeerAddress, to recipient: PeerAddress) async throws {
        let number = nextNumber[sender.user, default: 1]
        let text = Array("\(sender.user) \(number)".utf8)
        clock += 1
        _ = try await store(of: sender).send(
            text, to: recipient, conversation: recipient.user, historyBody: text, timestamp: clock)
        nextNumber[sender.user] = number + 1
    }

    private mutating func deliver(shuffled: Bool, partly: Bool) async throws -> Int {
        var items = try await stores.alice.outbox().map { (CrashTestStores.alice, CrashTestStores.bob, $0) }
        items += try await stores.bob.outbox().map { (CrashTestStores.bob, CrashTestStores.alice, $0) }
        if shuffled { items.shuffle(using: &random) }
        if partly, items.count > 1 { items = Array(items.prefix(Int(random.next() % UInt64(items.count)) + 1)) }
        for (sender, recipient, item) in items {
            try await deliver(item, from: sender, to: recipient)
        }
        return items.count
    }

    /// Logs the wire, hands it to the recipient's store, then marks it sent in the sender's.
    private mutating func deliver(_ item: OutboxItem, from sender: PeerAddress, to recipient: PeerAddress) async throws {
        try log.append(item.wire, from: sender)
        let envelopeID = "\(sender.user):\(Hex.encode(try WireLog.hash(item.wire)))"
        clock += 1
        let outcome = try await store(of: recipient).receive(
            envelopeID: envelopeID, from: sender, body: item.wire, conversation: sender.user, timestamp: clock)
        if case .failed(let message) = outcome {
            throw CrashTestError.undecryptable(sender: sender.user, reason: message.failureReason ?? "unknown")
        }
        stop.reached(.inFlight)
        try await store(of: sender).markSent(item)
        delivered += 1
    }

    private func store(of party: PeerAddress) -> EncryptedStore {
        party == CrashTestStores.alice ? stores.alice : stores.bob
    }
}

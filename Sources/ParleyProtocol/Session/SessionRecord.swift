import ParleyCrypto

/// All sessions with one peer device: the current one and up to
/// ``ParleyV1/maxArchivedSessions`` earlier ones (newest first) that can still decrypt late
/// messages.
public struct SessionRecord: Sendable {
    /// The session used for sending.
    public internal(set) var current: SessionState?
    /// Earlier sessions, newest first.
    public internal(set) var archived: [SessionState]

    /// An empty record.
    public init() {
        current = nil
        archived = []
    }

    init(current: SessionState?, archived: [SessionState]) {
        self.current = current
        self.archived = archived
    }

    /// Makes `session` current; the previous current session is archived (newest first, at
    /// most ``ParleyV1/maxArchivedSessions``, the oldest dropped).
    public mutating func makeCurrent(_ session: SessionState) {
        if let previous = current {
            archived.insert(previous, at: 0)
            if archived.count > ParleyV1.maxArchivedSessions {
                archived.removeLast(archived.count - ParleyV1.maxArchivedSessions)
            }
        }
        current = session
    }

    /// Where the session (current or archived) made from this PreKeyMessage prefix is.
    func indexOfSession(madeFrom prefix: PreKeyMessage) -> SessionIndex? {
        if let current, current.matches(prefix) { return .current }
        if let index = archived.firstIndex(where: { $0.matches(prefix) }) {
            return .archived(index)
        }
        return nil
    }

    /// The sessions a Message with `header` is tried on, in order (Specs/protocol.md §6.4 step 3):
    /// the first session (current, then archived newest first) that knows its ratchet key, alone;
    /// otherwise the first ``ParleyV1/maxNewRatchetKeyAttempts`` sessions that can receive a new
    /// ratchet key. This bounds what one message can cost whatever the record holds.
    func candidates(for header: MessageHeader) -> [SessionIndex] {
        let all: [SessionIndex] = (current == nil ? [] : [.current]) + archived.indices.map { .archived($0) }
        let number = UInt64(header.messageNumber)
        // A plain Message with PN = 0 is of its sender's first chain; an initiator sends that
        // chain only inside PreKeyMessages, so it cannot belong to a session made as responder.
        let admits = { (index: SessionIndex) -> Bool in
            header.previousChainLength != 0 || self.session(at: index)?.wasMadeAsResponder == false
        }
        if let owner = all.first(where: {
            session(at: $0)?.ratchet.knows(ratchetKey: header.ratchetKey, messageNumber: number) == true
        }) {
            return admits(owner) ? [owner] : []
        }
        return Array(
            all.filter { admits($0) && session(at: $0)?.ratchet.canReceiveNewRatchetKey == true }
                .prefix(ParleyV1.maxNewRatchetKeyAttempts))
    }

    /// Makes the archived session at `index` current (Specs/protocol.md §6.4 step 5): it leaves
    /// the archive, so nothing is dropped, and the current session becomes the newest archived
    /// one. Nothing changes for ``SessionIndex/current``.
    mutating func promote(_ index: SessionIndex) {
        guard case .archived(let position) = index, archived.indices.contains(position) else { return }
        makeCurrent(archived.remove(at: position))
    }

    /// The session at `index`, if there is one.
    func session(at index: SessionIndex) -> SessionState? {
        switch index {
        case .current: current
        case .archived(let position): archived.indices.contains(position) ? archived[position] : nil
        }
    }

    /// Decrypts with the session at `index`, in place. On error `self` may be partly
    /// updated: call it only on a scratch copy that is dropped on failure.
    mutating func decryptOnScratchCopy(
        _ message: RatchetMessage, at index: SessionIndex, random: some RandomSource
    ) throws(ProtocolError) -> [UInt8] {
        switch index {
        case .current:
            guard current != nil, let plaintext = try current?.decryptOnScratchCopy(message, random: random) else {
                throw .noSession
            }
            return plaintext
        case .archived(let position):
            guard archived.indices.contains(position) else { throw .noSession }
            return try archived[position].decryptOnScratchCopy(message, random: random)
        }
    }
}

/// Where a session sits in a ``SessionRecord``.
enum SessionIndex: Equatable, Sendable {
    case current
    case archived(Int)
}

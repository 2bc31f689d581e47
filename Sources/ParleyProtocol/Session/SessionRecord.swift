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
            if archived.count > ParleyV1.maxArchivedSessions { archived.removeLast(archived.count - ParleyV1.maxArchivedSessions) }
        }
        current = session
    }

    /// The session (current or archived) made from a PreKeyMessage prefix, as an index path.
    func indexOfSession(identityKey: Ed25519.PublicKey, baseKey: X25519.PublicKey) -> SessionIndex? {
        if let current, current.matches(identityKey: identityKey, baseKey: baseKey) { return .current }
        if let index = archived.firstIndex(where: { $0.matches(identityKey: identityKey, baseKey: baseKey) }) {
            return .archived(index)
        }
        return nil
    }

    subscript(index: SessionIndex) -> SessionState? {
        get {
            switch index {
            case .current: current
            case .archived(let position): archived.indices.contains(position) ? archived[position] : nil
            }
        }
        set {
            guard let newValue else { return }
            switch index {
            case .current: current = newValue
            case .archived(let position): if archived.indices.contains(position) { archived[position] = newValue }
            }
        }
    }
}

/// Where a session sits in a ``SessionRecord``.
enum SessionIndex: Equatable, Sendable {
    case current
    case archived(Int)
}

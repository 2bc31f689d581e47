import ParleyCrypto
import Synchronization

/// A ``RandomSource`` that hands out scripted values: 32-byte draws (ephemeral and ratchet
/// keys) from a queue in order, 24-byte draws (nonces) from the value set for the next
/// encrypt. Anything else, or an empty queue, is recorded as a script error.
public final class ScriptedRandomSource: RandomSource {
    private struct State {
        var keys: [[UInt8]]
        var position = 0
        var nonce: [UInt8]?
        var problems: [String] = []
    }

    private let state: Mutex<State>

    /// - Parameter keys: the 32-byte values, in the order they will be drawn.
    public init(keys: [[UInt8]]) {
        state = Mutex(State(keys: keys))
    }

    /// Sets the nonce the next 24-byte draw returns (once).
    public func setNextNonce(_ nonce: [UInt8]) {
        state.withLock { $0.nonce = nonce }
    }

    /// How many 32-byte values have been drawn.
    public var position: Int { state.withLock { $0.position } }

    /// Puts the queue back to `position` (a failed decrypt's draw is returned).
    public func rewind(to position: Int) {
        state.withLock { $0.position = position }
    }

    /// Problems seen so far (draws the script did not provide for), and clears them.
    public func takeProblems() -> [String] {
        state.withLock { state in
            defer { state.problems.removeAll() }
            return state.problems
        }
    }

    public func fill(_ buffer: UnsafeMutableRawBufferPointer) {
        let value: [UInt8]? = state.withLock { state in
            switch buffer.count {
            case 32:
                guard state.position < state.keys.count else {
                    state.problems.append("a 32-byte key was drawn but the script's list is exhausted")
                    return nil
                }
                defer { state.position += 1 }
                return state.keys[state.position]
            case 24:
                guard let nonce = state.nonce else {
                    state.problems.append("a nonce was drawn outside an encrypt step")
                    return nil
                }
                state.nonce = nil
                return nonce
            default:
                state.problems.append("an unscripted \(buffer.count)-byte draw")
                return nil
            }
        }
        guard let value, value.count == buffer.count else {
            buffer.initializeMemory(as: UInt8.self, repeating: 0)
            return
        }
        buffer.copyBytes(from: value)
    }
}

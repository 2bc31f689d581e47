import ParleyCrypto
import Synchronization

/// A ``KEMEncapsulator`` that hands out a vector's (ciphertext, shared secret) pairs in order,
/// after checking each against the receiver's key: `Decaps(ciphertext)` under the PQ prekey
/// with that public key must equal the shared secret. A pair that fails the check, a key the
/// vector does not hold, or an exhausted list is recorded as a problem (and the draw fails).
public final class ScriptedEncapsulator: KEMEncapsulator {
    private struct State {
        var position = 0
        var problems: [String] = []
    }

    private let entries: [MLKEM.Encapsulation]
    private let keys: [MLKEM.PublicKey: MLKEM.PrivateKey]
    private let state = Mutex(State())

    /// - Parameters:
    ///   - entries: the pairs, in the order Alice's encapsulations use them.
    ///   - keys: the receiver's PQ private keys, to check each pair.
    public init(entries: [MLKEM.Encapsulation], keys: [MLKEM.PrivateKey]) {
        self.entries = entries
        self.keys = Dictionary(keys.map { ($0.publicKey, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// How many pairs have been used.
    public var position: Int { state.withLock { $0.position } }

    /// Problems seen so far, and clears them.
    public func takeProblems() -> [String] {
        state.withLock { state in
            defer { state.problems.removeAll() }
            return state.problems
        }
    }

    public func encapsulate(to publicKey: MLKEM.PublicKey) throws(CryptoError) -> MLKEM.Encapsulation {
        let entry: MLKEM.Encapsulation? = state.withLock { state in
            guard state.position < entries.count else {
                state.problems.append("an encapsulation was made but kem_encapsulations.alice is exhausted")
                return nil
            }
            defer { state.position += 1 }
            return entries[state.position]
        }
        guard let entry else { throw .invalidKey }
        guard let key = keys[publicKey] else {
            state.withLock { $0.problems.append("an encapsulation to a PQ prekey the vector does not hold") }
            throw .invalidKey
        }
        guard (try? key.decapsulate(entry.ciphertext)) == entry.sharedSecret else {
            state.withLock { $0.problems.append("kem_encapsulations: Decaps(ciphertext) != shared_secret") }
            throw .invalidKey
        }
        return entry
    }
}

/// Real encapsulation that keeps every (ciphertext, shared secret) it made, for emitted vectors.
public final class RecordingEncapsulator: KEMEncapsulator {
    private let made = Mutex<[MLKEM.Encapsulation]>([])

    public init() {}

    /// Every encapsulation so far, in order.
    public var encapsulations: [MLKEM.Encapsulation] { made.withLock { $0 } }

    public func encapsulate(to publicKey: MLKEM.PublicKey) throws(CryptoError) -> MLKEM.Encapsulation {
        let result = try SystemKEMEncapsulator().encapsulate(to: publicKey)
        made.withLock { $0.append(result) }
        return result
    }
}

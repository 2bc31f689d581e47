import ParleyCrypto

/// What one Ed25519 verification costs on this machine: the part of every signed request that
/// no server change can remove (the API signs each request), measured on one thread.
enum SignatureCheckCost {
    /// Thrown when the signature made for the measurement does not verify.
    struct SelfCheckFailed: Error, CustomStringConvertible {
        var description: String { "the Ed25519 check the benchmark times rejected a valid signature" }
    }

    /// The median of 9 rounds of 500 checks each, per check.
    static func measure() throws -> Duration {
        let key = Ed25519.PrivateKey(random: SystemRandomSource())
        // A request's signed text is about this long (method, path, timestamp, body hash).
        let message = [UInt8](repeating: 0x61, count: 120)
        let signature = key.signature(for: message)
        let clock = ContinuousClock()
        var rounds: [Duration] = []
        var accepted = 0
        for _ in 0..<9 {
            let elapsed = clock.measure {
                for _ in 0..<500 where key.publicKey.isValidSignature(signature, for: message) { accepted += 1 }
            }
            rounds.append(elapsed / 500)
        }
        // Every check must pass, or the loop measured something else.
        guard accepted == 9 * 500 else { throw SelfCheckFailed() }
        return rounds.sorted()[rounds.count / 2]
    }
}

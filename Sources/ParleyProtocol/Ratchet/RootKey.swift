import ParleyCrypto

/// The Double Ratchet root key RK.
///
///     KDF_RK(rk, dh) = HKDF(salt = rk, ikm = dh, info = "Parley-v1 root" | "Parley-v2 root", L = 64)
///                      -> rk' = bytes 0..<32, ck = bytes 32..<64
struct RootKey: Sendable {
    let secret: SecureBytes

    /// One DH ratchet half-step: a new root key and a new chain key from a DH output.
    func advance(with dhOutput: SecureBytes, version: ProtocolVersion) throws(ProtocolError) -> (RootKey, ChainKey) {
        let output: SecureBytes
        do {
            output = try HKDF.deriveKey(inputKeyMaterial: dhOutput, salt: secret, info: version.rootInfo, length: 64)
        } catch {
            throw ProtocolError(error)  // unreachable: 64 bytes is a valid HKDF-SHA-256 length
        }
        return (RootKey(secret: output.slice(0..<32)), ChainKey(secret: output.slice(32..<64), index: 0))
    }

    /// KDF_RK(rk, DH(ours, theirs)) with the info of `version`.
    func advance(ours: X25519.PrivateKey, theirs: X25519.PublicKey, version: ProtocolVersion) throws(ProtocolError)
        -> (RootKey, ChainKey)
    {
        let dhOutput: SecureBytes
        do { dhOutput = try ours.sharedSecret(with: theirs) } catch { throw .invalidKey }
        return try advance(with: dhOutput, version: version)
    }
}

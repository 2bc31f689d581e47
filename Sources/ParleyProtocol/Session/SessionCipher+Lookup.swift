import ParleyCrypto

extension SessionCipher {
    /// Parses and decrypts received bytes, looking up the prekeys a new session needs through
    /// the given functions (for callers whose store answers synchronously, e.g. inside a
    /// database transaction). Same rules and errors as ``decrypt(_:record:identity:preKeys:random:trust:)``.
    ///
    /// - Parameters:
    ///   - signedPreKey: the private signed prekey with this public key, or nil if not held.
    ///   - oneTimePreKey: the private one-time prekey with this public key, or nil if not held.
    ///   - trust: which identity key the sender's sessions may have (``IdentityTrust``).
    /// - Throws: a ``ProtocolError``, or what a lookup function throws; nothing is changed.
    public static func decrypt(
        _ bytes: [UInt8],
        record: SessionRecord,
        identity: IdentityKeyPair,
        random: some RandomSource,
        signedPreKey: (X25519.PublicKey) throws -> X25519.PrivateKey?,
        oneTimePreKey: (X25519.PublicKey) throws -> X25519.PrivateKey?,
        trust: IdentityTrust = .pinnedByRecord
    ) throws -> DecryptResult {
        let message = try WireMessage.parse(bytes)
        var preKeys = PreKeyMaterial.none
        if let needed = preKeysNeeded(for: message, record: record) {
            preKeys.signedPreKey = try signedPreKey(needed.signedPreKey)
            if let oneTime = needed.oneTimePreKey { preKeys.oneTimePreKey = try oneTimePreKey(oneTime) }
        }
        return try decrypt(message, record: record, identity: identity, preKeys: preKeys, random: random, trust: trust)
    }
}

import ParleyCrypto

extension SessionCipher {
    /// Parses and decrypts received bytes, looking up the prekeys a new session needs through
    /// the given functions (for callers whose store answers synchronously, e.g. inside a
    /// database transaction). Same rules and errors as ``decrypt(_:record:identity:preKeys:random:trust:)``.
    ///
    /// - Parameters:
    ///   - signedPreKey: the private signed prekey with this public key, or nil if not held.
    ///   - oneTimePreKey: the private one-time prekey with this public key, or nil if not held.
    ///   - pqPreKey: the PQ prekey with this PQID, or nil if not held (Parley-v2).
    ///   - isLastResortUseRecorded: whether (PQID, EK_A) is recorded for a last-resort PQ prekey.
    ///   - trust: which identity key the sender's sessions may have (``IdentityTrust``).
    ///   - versions: which suites are accepted (``VersionPolicy``).
    /// - Throws: a ``ProtocolError``, or what a lookup function throws; nothing is changed.
    public static func decrypt(
        _ bytes: [UInt8],
        record: SessionRecord,
        identity: IdentityKeyPair,
        random: some RandomSource,
        signedPreKey: (X25519.PublicKey) throws -> X25519.PrivateKey?,
        oneTimePreKey: (X25519.PublicKey) throws -> X25519.PrivateKey?,
        pqPreKey: (PQPreKeyID) throws -> PQPreKey? = { _ in nil },
        isLastResortUseRecorded: (PQPreKeyID, X25519.PublicKey) throws -> Bool = { _, _ in false },
        trust: IdentityTrust = .pinnedByRecord,
        versions: VersionPolicy = .all
    ) throws -> DecryptResult {
        let message = try WireMessage.parse(bytes)
        var preKeys = PreKeyMaterial.none
        // A suite the receiver refuses is refused before any lookup (decrypt checks it first too).
        if versions.accepts(message.version), let needed = preKeysNeeded(for: message, record: record) {
            preKeys = try lookUp(
                needed, signedPreKey: signedPreKey, oneTimePreKey: oneTimePreKey, pqPreKey: pqPreKey,
                isLastResortUseRecorded: isLastResortUseRecorded)
        }
        return try decrypt(
            message, record: record, identity: identity, preKeys: preKeys, random: random, trust: trust, versions: versions)
    }

    /// The private prekeys `needed` names, through the given lookups.
    static func lookUp(
        _ needed: PreKeyRequest,
        signedPreKey: (X25519.PublicKey) throws -> X25519.PrivateKey?,
        oneTimePreKey: (X25519.PublicKey) throws -> X25519.PrivateKey?,
        pqPreKey: (PQPreKeyID) throws -> PQPreKey?,
        isLastResortUseRecorded: (PQPreKeyID, X25519.PublicKey) throws -> Bool
    ) throws -> PreKeyMaterial {
        var preKeys = PreKeyMaterial.none
        preKeys.signedPreKey = try signedPreKey(needed.signedPreKey)
        if let oneTime = needed.oneTimePreKey { preKeys.oneTimePreKey = try oneTimePreKey(oneTime) }
        if let id = needed.pqPreKey, let held = try pqPreKey(id) {
            preKeys.pqPreKey = held
            if held.kind == .lastResort { preKeys.isLastResortUseRecorded = try isLastResortUseRecorded(id, needed.baseKey) }
        }
        return preKeys
    }
}

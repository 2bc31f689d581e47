import ParleyCrypto

/// The private prekeys a PreKeyMessage names, looked up by the caller before decrypting (the
/// cipher itself never touches a store).
public struct PreKeyMaterial: Sendable {
    /// The signed prekey whose public key the message names, if we hold it.
    public var signedPreKey: X25519.PrivateKey?
    /// The one-time prekey the message names, if any and if we hold it.
    public var oneTimePreKey: X25519.PrivateKey?
    /// Parley-v2: the PQ prekey whose PQID_B the message names, if we hold it.
    public var pqPreKey: PQPreKey?
    /// Parley-v2: true when `pqPreKey` is a last-resort prekey already used with the message's
    /// EK_A (a recorded pair, ``PQPreKeyStore/isLastResortUseRecorded(_:baseKey:)``).
    public var isLastResortUseRecorded: Bool

    /// - Parameters:
    ///   - signedPreKey: the private signed prekey the message names, if held.
    ///   - oneTimePreKey: the private one-time prekey the message names, if held.
    ///   - pqPreKey: the PQ prekey the message names, if held (Parley-v2).
    ///   - isLastResortUseRecorded: whether (PQID_B, EK_A) is recorded for a last-resort `pqPreKey`.
    public init(
        signedPreKey: X25519.PrivateKey? = nil, oneTimePreKey: X25519.PrivateKey? = nil, pqPreKey: PQPreKey? = nil,
        isLastResortUseRecorded: Bool = false
    ) {
        self.signedPreKey = signedPreKey
        self.oneTimePreKey = oneTimePreKey
        self.pqPreKey = pqPreKey
        self.isLastResortUseRecorded = isLastResortUseRecorded
    }

    /// No prekeys (for plain Messages).
    public static let none = PreKeyMaterial()
}

/// The outcome of a successful decrypt: the plaintext and everything that must be committed
/// together with it, in one transaction, before the message is acknowledged.
public struct DecryptResult: Sendable {
    /// The decrypted message.
    public let plaintext: [UInt8]
    /// The peer's session record after the decrypt.
    public let record: SessionRecord
    /// The one-time prekey this message used for a new session: delete it in the same commit.
    public let consumedOneTimePreKey: X25519.PublicKey?
    /// The PQ prekey this message used for a new Parley-v2 session: delete it (one-time) or
    /// record (PQID_B, EK_A) (last resort) in the same commit.
    public let consumedPQPreKey: PQPreKeyUse?

    init(
        plaintext: [UInt8], record: SessionRecord, consumedOneTimePreKey: X25519.PublicKey?,
        consumedPQPreKey: PQPreKeyUse? = nil
    ) {
        self.plaintext = plaintext
        self.record = record
        self.consumedOneTimePreKey = consumedOneTimePreKey
        self.consumedPQPreKey = consumedPQPreKey
    }
}

/// The prekeys a caller must look up before decrypting a PreKeyMessage that starts a new
/// session (``SessionCipher/preKeysNeeded(for:record:)``).
public struct PreKeyRequest: Sendable, Equatable {
    /// SPK_B.
    public let signedPreKey: X25519.PublicKey
    /// OPK_B, if the message names one.
    public let oneTimePreKey: X25519.PublicKey?
    /// PQID_B (Parley-v2 only).
    public let pqPreKey: PQPreKeyID?
    /// EK_A: with a last-resort PQ prekey, whether (PQID_B, EK_A) is recorded must be looked up.
    public let baseKey: X25519.PublicKey
}

/// Parley session operations (both suites) as pure functions on values: no store, no I/O. A failure
/// returns an error and leaves every input as it was; success returns the new values.
public enum SessionCipher {
    /// Starts a session as the initiator from a fetched prekey bundle (X3DH, then
    /// RatchetInitAlice). The session sends PreKeyMessages until the peer answers.
    ///
    /// - Throws: ``ProtocolError/badSignature`` or ``ProtocolError/invalidKey``; nothing is made.
    public static func initiate(
        identity: IdentityKeyPair,
        bundle: PreKeyBundle,
        random: some RandomSource
    ) throws(ProtocolError) -> SessionState {
        let x3dh = try X3DH.initiate(identity: identity, bundle: bundle, random: random)
        let ratchet = try RatchetState.initiator(
            version: .v1, sharedSecret: x3dh.sharedSecret, remoteRatchetKey: bundle.signedPreKey, random: random)
        return SessionState(
            ratchet: ratchet, associatedData: x3dh.associatedData, remoteIdentityKey: bundle.identityKey,
            baseKey: x3dh.baseKey,
            handshakePreKeys: .init(signedPreKey: bundle.signedPreKey, oneTimePreKey: bundle.oneTimePreKey),
            isAwaitingResponse: true)
    }

    /// Starts a Parley-v2 session as the initiator from a fetched bundle (PQXDH, then
    /// RatchetInitAlice). The session sends PreKeyMessages until the peer answers.
    ///
    /// - Parameter encapsulator: performs `Encaps(PQPK_B)`; production passes
    ///   ``SystemKEMEncapsulator``, test vectors inject their (CT, SS) pairs.
    /// - Throws: ``ProtocolError/badSignature`` or ``ProtocolError/invalidKey``; nothing is made.
    public static func initiate(
        identity: IdentityKeyPair,
        bundle: PQXDHBundle,
        random: some RandomSource,
        encapsulator: some KEMEncapsulator
    ) throws(ProtocolError) -> SessionState {
        let pqxdh = try PQXDH.initiate(identity: identity, bundle: bundle, random: random, encapsulator: encapsulator)
        let ratchet = try RatchetState.initiator(
            version: .v2, sharedSecret: pqxdh.sharedSecret, remoteRatchetKey: bundle.signedPreKey, random: random)
        return SessionState(
            ratchet: ratchet, associatedData: pqxdh.associatedData, remoteIdentityKey: bundle.identityKey,
            baseKey: pqxdh.baseKey,
            handshakePreKeys: .init(
                signedPreKey: bundle.signedPreKey, oneTimePreKey: bundle.oneTimePreKey, pqxdh: pqxdh.pqxdh),
            isAwaitingResponse: true)
    }

    /// Encrypts with the record's current session and returns the wire bytes; `record` is
    /// advanced only on success.
    ///
    /// - Throws: ``ProtocolError/noSession`` when there is no current session that can send.
    public static func encrypt(
        _ plaintext: [UInt8],
        record: inout SessionRecord,
        identity: IdentityKeyPair,
        random: some RandomSource
    ) throws(ProtocolError) -> [UInt8] {
        // In place: SessionState.encrypt changes nothing before its last throwing step.
        guard record.current != nil,
            let wire = try record.current?.encrypt(plaintext, localIdentityKey: identity.publicKey, random: random)
        else { throw .noSession }
        return wire
    }

    /// The prekeys a caller must look up before ``decrypt(_:record:identity:preKeys:random:trust:versions:)``:
    /// non-nil only for a PreKeyMessage that starts a new session (one whose whole prefix
    /// (version, IK_A, EK_A, SPK_B, OPK_B, and for Parley-v2 PQID_B and CT) no session in
    /// `record` was made from).
    public static func preKeysNeeded(for message: WireMessage, record: SessionRecord) -> PreKeyRequest? {
        guard case .preKeyMessage(let prefix) = message,
            record.indexOfSession(madeFrom: prefix) == nil
        else { return nil }
        return PreKeyRequest(
            signedPreKey: prefix.signedPreKey, oneTimePreKey: prefix.oneTimePreKey, pqPreKey: prefix.pqxdh?.preKeyID,
            baseKey: prefix.baseKey)
    }

    /// Decrypts a received message against the peer's record.
    ///
    /// A PreKeyMessage goes to the session made from the same prefix (IK_A, EK_A, SPK_B,
    /// OPK_B) if there is one;
    /// otherwise it runs X3DH with `preKeys` and, on success only, the new session becomes
    /// current (the previous one is archived). A Message goes to the one session that knows its
    /// ratchet key, or else is tried on at most ``ParleyV1/maxNewRatchetKeyAttempts`` sessions
    /// that can receive a new one (``SessionRecord/candidates(for:)``); the error is the first
    /// attempt's. An archived session that decrypts becomes current (promotion,
    /// Specs/protocol.md §6.4 step 5).
    ///
    /// Whichever session the message belongs to, its identity key must be one `trust` accepts
    /// for this address, checked once the message has decrypted and before anything is returned
    /// to commit (so a bad message gets the same category as without the check); if not, the
    /// decrypt fails with ``ProtocolError/untrustedIdentity``.
    ///
    /// A well-formed message of a suite `versions` does not accept fails first, with
    /// ``ProtocolError/unsupportedVersion(_:)``, before any routing or cryptography.
    ///
    /// - Throws: a ``ProtocolError`` of the first failing check; `record` is not changed.
    public static func decrypt(
        _ message: WireMessage,
        record: SessionRecord,
        identity: IdentityKeyPair,
        preKeys: PreKeyMaterial,
        random: some RandomSource,
        trust: IdentityTrust = .pinnedByRecord,
        versions: VersionPolicy = .all
    ) throws(ProtocolError) -> DecryptResult {
        guard versions.accepts(message.version) else { throw .unsupportedVersion(message.version.rawValue) }
        switch message {
        case .message(let inner):
            return try decryptWithExistingSessions(inner, record: record, random: random, trust: trust)
        case .preKeyMessage(let preKeyMessage):
            if let index = record.indexOfSession(madeFrom: preKeyMessage) {
                var next = record  // scratch copy: dropped if the decrypt fails
                let plaintext = try next.decryptOnScratchCopy(preKeyMessage.message, at: index, random: random)
                try requireTrusted(record.session(at: index)?.remoteIdentityKey, record: record, trust: trust)
                next.promote(index)
                return DecryptResult(plaintext: plaintext, record: next, consumedOneTimePreKey: nil)
            }
            let result = try decryptNewSession(
                preKeyMessage, record: record, identity: identity, preKeys: preKeys, random: random)
            try requireTrusted(preKeyMessage.identityKey, record: record, trust: trust)
            return result
        }
    }

    /// Throws ``ProtocolError/untrustedIdentity`` unless `trust` accepts `identityKey`.
    private static func requireTrusted(
        _ identityKey: Ed25519.PublicKey?, record: SessionRecord, trust: IdentityTrust
    ) throws(ProtocolError) {
        guard let identityKey, trust.trusts(identityKey, record: record) else { throw .untrustedIdentity }
    }

    private static func decryptWithExistingSessions(
        _ message: RatchetMessage,
        record: SessionRecord,
        random: some RandomSource,
        trust: IdentityTrust
    ) throws(ProtocolError) -> DecryptResult {
        let candidates = record.candidates(for: message.header)
        guard !candidates.isEmpty else { throw record.current == nil && record.archived.isEmpty ? .noSession : .authentication }
        var firstError: ProtocolError?
        for index in candidates {
            var next = record  // scratch copy: dropped if the decrypt fails
            do {
                let plaintext = try next.decryptOnScratchCopy(message, at: index, random: random)
                // Only now is it known which session the message belongs to.
                try requireTrusted(record.session(at: index)?.remoteIdentityKey, record: record, trust: trust)
                next.promote(index)
                return DecryptResult(plaintext: plaintext, record: next, consumedOneTimePreKey: nil)
            } catch .untrustedIdentity {
                throw .untrustedIdentity
            } catch {
                if firstError == nil { firstError = error }
            }
        }
        throw firstError ?? .authentication
    }

    /// Rule 2 (Specs/protocol.md §6.4, §13.8), in order: SPK_B held, OPK_B held, PQID_B held
    /// (each `unknown_prekey`), a recorded last-resort (PQID_B, EK_A) (`duplicate`), then the key
    /// agreement and the first message. Only the returned result carries what to commit.
    private static func decryptNewSession(
        _ message: PreKeyMessage,
        record: SessionRecord,
        identity: IdentityKeyPair,
        preKeys: PreKeyMaterial,
        random: some RandomSource
    ) throws(ProtocolError) -> DecryptResult {
        guard let signedPreKey = preKeys.signedPreKey, signedPreKey.publicKey == message.signedPreKey else {
            throw .unknownPreKey
        }
        var oneTimePreKey: X25519.PrivateKey?
        if let named = message.oneTimePreKey {
            guard let held = preKeys.oneTimePreKey, held.publicKey == named else { throw .unknownPreKey }
            oneTimePreKey = held
        }
        let keys: (sharedSecret: SecureBytes, associatedData: [UInt8])
        var pqUse: PQPreKeyUse?
        if let pqxdh = message.pqxdh {
            guard let pqPreKey = preKeys.pqPreKey, pqPreKey.id == pqxdh.preKeyID else { throw .unknownPreKey }
            switch pqPreKey.kind {
            case .oneTime:
                pqUse = .oneTime(pqPreKey.id)
            case .lastResort:
                guard !preKeys.isLastResortUseRecorded else { throw .duplicate }
                pqUse = .lastResort(pqPreKey.id, baseKey: message.baseKey)
            }
            keys = try PQXDH.respond(
                identity: identity, signedPreKey: signedPreKey, oneTimePreKey: oneTimePreKey, pqPreKey: pqPreKey.keyPair,
                ciphertext: pqxdh.ciphertext, remoteIdentityKey: message.identityKey, remoteBaseKey: message.baseKey)
        } else {
            keys = try X3DH.respond(
                identity: identity, signedPreKey: signedPreKey, oneTimePreKey: oneTimePreKey,
                remoteIdentityKey: message.identityKey, remoteBaseKey: message.baseKey)
        }
        var session = SessionState(
            ratchet: .responder(version: message.version, sharedSecret: keys.sharedSecret, signedPreKey: signedPreKey),
            associatedData: keys.associatedData, remoteIdentityKey: message.identityKey, baseKey: message.baseKey,
            handshakePreKeys: .init(
                signedPreKey: message.signedPreKey, oneTimePreKey: message.oneTimePreKey, pqxdh: message.pqxdh),
            isAwaitingResponse: false)
        let plaintext = try session.decryptOnScratchCopy(message.message, random: random)
        var next = record
        next.makeCurrent(session)
        return DecryptResult(
            plaintext: plaintext, record: next, consumedOneTimePreKey: message.oneTimePreKey, consumedPQPreKey: pqUse)
    }
}

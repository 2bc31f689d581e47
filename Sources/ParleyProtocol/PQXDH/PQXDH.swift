import ParleyCrypto

/// PQXDH key agreement as Parley-v2 fixes it (Specs/protocol.md §13.4):
///
///     (CT, SS) = ML-KEM-1024.Encaps(PQPK_B)
///     DH1..DH4 as in X3DH (DH4 only with an OPK)
///     SK  = HKDF(salt = 0^32, ikm = 0xFF^32 || DH1 || DH2 || DH3 [|| DH4] || SS,
///                info = "Parley-v2 PQXDH", L = 32)
///     AD  = IK_A || IK_B   (ML-KEM binds PQPK_B into SS)
public enum PQXDH {
    /// What the initiator gets: the shared secret and the public values to send.
    public struct Initiation: Sendable {
        /// SK.
        public let sharedSecret: SecureBytes
        /// AD = IK_A || IK_B.
        public let associatedData: [UInt8]
        /// EK_A, sent in every PreKeyMessage.
        public let baseKey: X25519.PublicKey
        /// PQID_B and CT, sent in every PreKeyMessage.
        public let pqxdh: PQXDHPrefix
        /// The bundle that was used.
        public let bundle: PQXDHBundle
    }

    /// Alice's side, in the order the spec fixes: the SPK_B v2 signature, the PQ prekey
    /// signature (each ``ProtocolError/badSignature``), x(IK_B) (``ProtocolError/invalidKey``),
    /// then EK_A is drawn from `random`, then `(CT, SS) = Encaps(PQPK_B)` through `encapsulator`
    /// (never before the signatures are checked), then DH1..DH4 and SK.
    ///
    /// - Throws: ``ProtocolError/badSignature``; ``ProtocolError/invalidKey`` for an unusable
    ///   IK_B or PQPK_B or an all-zero DH output.
    public static func initiate(
        identity: IdentityKeyPair,
        bundle: PQXDHBundle,
        random: some RandomSource,
        encapsulator: some KEMEncapsulator
    ) throws(ProtocolError) -> Initiation {
        guard
            bundle.identityKey.isValidSignature(
                bundle.signedPreKeySignature, for: SignedPreKey.signedMessage(for: bundle.signedPreKey, version: .v2))
        else { throw .badSignature }
        guard
            bundle.identityKey.isValidSignature(bundle.pqPreKeySignature, for: PQPreKey.signedMessage(for: bundle.pqPreKey))
        else { throw .badSignature }
        let remoteAgreementKey: X25519.PublicKey
        do { remoteAgreementKey = try bundle.identityKey.keyAgreementKey() } catch { throw .invalidKey }
        let ephemeral = X25519.PrivateKey(random: random)
        let encapsulation: MLKEM.Encapsulation
        do { encapsulation = try encapsulator.encapsulate(to: bundle.pqPreKey) } catch { throw .invalidKey }
        var secrets = [
            try X3DH.dh(identity.agreementKey, bundle.signedPreKey),
            try X3DH.dh(ephemeral, remoteAgreementKey),
            try X3DH.dh(ephemeral, bundle.signedPreKey),
        ]
        if let oneTimePreKey = bundle.oneTimePreKey { secrets.append(try X3DH.dh(ephemeral, oneTimePreKey)) }
        secrets.append(encapsulation.sharedSecret)
        return Initiation(
            sharedSecret: try X3DH.deriveSharedSecret(secrets, info: ParleyV2.pqxdhInfo),
            associatedData: identity.publicKey.rawRepresentation + bundle.identityKey.rawRepresentation,
            baseKey: ephemeral.publicKey,
            pqxdh: PQXDHPrefix(preKeyID: bundle.pqPreKeyID, ciphertext: encapsulation.ciphertext),
            bundle: bundle)
    }

    /// Bob's side, steps 5–7 of rule 2: x(IK_A), DH1..DH4, `SS = Decaps(CT)`, then SK and AD.
    /// A forged CT is not an error here: it gives another SS, and the first message then fails
    /// to authenticate.
    ///
    /// - Throws: ``ProtocolError/invalidKey`` when IK_A is not a usable point or a DH output is
    ///   all zero.
    public static func respond(
        identity: IdentityKeyPair,
        signedPreKey: X25519.PrivateKey,
        oneTimePreKey: X25519.PrivateKey?,
        pqPreKey: MLKEM.PrivateKey,
        ciphertext: MLKEM.Ciphertext,
        remoteIdentityKey: Ed25519.PublicKey,
        remoteBaseKey: X25519.PublicKey
    ) throws(ProtocolError) -> (sharedSecret: SecureBytes, associatedData: [UInt8]) {
        let remoteAgreementKey: X25519.PublicKey
        do { remoteAgreementKey = try remoteIdentityKey.keyAgreementKey() } catch { throw .invalidKey }
        var secrets = [
            try X3DH.dh(signedPreKey, remoteAgreementKey),
            try X3DH.dh(identity.agreementKey, remoteBaseKey),
            try X3DH.dh(signedPreKey, remoteBaseKey),
        ]
        if let oneTimePreKey { secrets.append(try X3DH.dh(oneTimePreKey, remoteBaseKey)) }
        // Decaps refuses only lengths that the types exclude; should it ever refuse, the message
        // cannot be authenticated, which is what a forged CT gives too.
        do { secrets.append(try pqPreKey.decapsulate(ciphertext)) } catch { throw .authentication }
        return (
            try X3DH.deriveSharedSecret(secrets, info: ParleyV2.pqxdhInfo),
            remoteIdentityKey.rawRepresentation + identity.publicKey.rawRepresentation
        )
    }
}

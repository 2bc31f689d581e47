import ParleyCrypto

/// X3DH key agreement as Parley-v1 fixes it (Specs/protocol.md §3):
///
///     DH1 = X25519(x(IK_A), SPK_B)   DH2 = X25519(EK_A, x(IK_B))
///     DH3 = X25519(EK_A, SPK_B)      DH4 = X25519(EK_A, OPK_B)   (only with an OPK)
///     SK  = HKDF(salt = 0^32, ikm = 0xFF^32 || DH1 || DH2 || DH3 [|| DH4],
///                info = "Parley-v1 X3DH", L = 32)
///     AD  = IK_A || IK_B   (Ed25519 public keys, initiator first)
public enum X3DH {
    /// What the initiator gets: the shared secret and the public values to send.
    public struct Initiation: Sendable {
        /// SK.
        public let sharedSecret: SecureBytes
        /// AD = IK_A || IK_B.
        public let associatedData: [UInt8]
        /// EK_A, to be sent in every PreKeyMessage.
        public let baseKey: X25519.PublicKey
        /// The bundle that was used.
        public let bundle: PreKeyBundle
    }

    /// Alice's side: verifies the bundle, draws EK_A from `random` and derives SK.
    ///
    /// - Throws: ``ProtocolError/badSignature`` when Sig_B does not verify;
    ///   ``ProtocolError/invalidKey`` when IK_B is not a usable point or a DH output is all zero.
    public static func initiate(
        identity: IdentityKeyPair,
        bundle: PreKeyBundle,
        random: some RandomSource
    ) throws(ProtocolError) -> Initiation {
        guard
            bundle.identityKey.isValidSignature(
                bundle.signedPreKeySignature, for: bundle.signedPreKey.rawRepresentation)
        else { throw .badSignature }
        let remoteAgreementKey: X25519.PublicKey
        do { remoteAgreementKey = try bundle.identityKey.keyAgreementKey() } catch { throw .invalidKey }
        let ephemeral = X25519.PrivateKey(random: random)
        var secrets = [
            try dh(identity.agreementKey, bundle.signedPreKey),
            try dh(ephemeral, remoteAgreementKey),
            try dh(ephemeral, bundle.signedPreKey),
        ]
        if let oneTimePreKey = bundle.oneTimePreKey { secrets.append(try dh(ephemeral, oneTimePreKey)) }
        return Initiation(
            sharedSecret: try deriveSharedSecret(secrets),
            associatedData: identity.publicKey.rawRepresentation + bundle.identityKey.rawRepresentation,
            baseKey: ephemeral.publicKey,
            bundle: bundle)
    }

    /// Bob's side: the same SK and AD from his private keys and Alice's public values.
    ///
    /// - Throws: ``ProtocolError/invalidKey`` when IK_A is not a usable point or a DH output is
    ///   all zero.
    public static func respond(
        identity: IdentityKeyPair,
        signedPreKey: X25519.PrivateKey,
        oneTimePreKey: X25519.PrivateKey?,
        remoteIdentityKey: Ed25519.PublicKey,
        remoteBaseKey: X25519.PublicKey
    ) throws(ProtocolError) -> (sharedSecret: SecureBytes, associatedData: [UInt8]) {
        let remoteAgreementKey: X25519.PublicKey
        do { remoteAgreementKey = try remoteIdentityKey.keyAgreementKey() } catch { throw .invalidKey }
        var secrets = [
            try dh(signedPreKey, remoteAgreementKey),
            try dh(identity.agreementKey, remoteBaseKey),
            try dh(signedPreKey, remoteBaseKey),
        ]
        if let oneTimePreKey { secrets.append(try dh(oneTimePreKey, remoteBaseKey)) }
        return (
            try deriveSharedSecret(secrets),
            remoteIdentityKey.rawRepresentation + identity.publicKey.rawRepresentation
        )
    }

    static func dh(_ privateKey: X25519.PrivateKey, _ publicKey: X25519.PublicKey) throws(ProtocolError) -> SecureBytes {
        do { return try privateKey.sharedSecret(with: publicKey) } catch { throw .invalidKey }
    }

    /// SK = HKDF(salt = 0^32, ikm = 0xFF^32 || secrets…, info, L = 32): shared by X3DH and
    /// PQXDH, which differ only in the secrets and the info.
    static func deriveSharedSecret(_ secrets: [SecureBytes], info: [UInt8] = ParleyV1.x3dhInfo) throws(ProtocolError)
        -> SecureBytes
    {
        let ikm = SecureBytes.concatenating([SecureBytes(copying: ParleyV1.x3dhPrefix)] + secrets)
        let salt = [UInt8](repeating: 0, count: 32)
        do {
            return try HKDF.deriveKey(inputKeyMaterial: ikm, salt: salt, info: info, length: 32)
        } catch {
            throw ProtocolError(error)  // unreachable: 32 bytes is a valid HKDF-SHA-256 length
        }
    }
}

import Foundation
import ParleyCrypto
import ParleyKeyServer

/// A user's account key with helpers to certify devices.
struct TestAccount: Sendable {
    let user: String
    let accountKey: Ed25519.PrivateKey

    init(_ user: String) {
        self.user = user
        accountKey = Ed25519.PrivateKey(random: SystemRandomSource())
    }

    /// A new device of this user, certified by `certifier` (this account's key unless given).
    func device(_ id: UInt32, certifiedBy certifier: Ed25519.PrivateKey? = nil) throws -> TestDevice {
        let key = Ed25519.PrivateKey(random: SystemRandomSource())
        let message = DeviceCertificate.signedMessage(user: try UserID(user), device: id, identityKey: key.publicKey)
        return TestDevice(user: user, id: id, key: key, certificate: (certifier ?? accountKey).signature(for: message))
    }

    /// The `POST /v1/accounts` body for this account and `device`.
    func registration(_ device: TestDevice) -> [String: Any] {
        ["user": user, "account_key": b64(accountKey.publicKey.rawRepresentation), "device": device.json]
    }
}

/// A device identity key with its certificate.
struct TestDevice: Sendable {
    let user: String
    let id: UInt32
    let key: Ed25519.PrivateKey
    let certificate: [UInt8]

    var address: String { "\(user)/\(id)" }

    /// `{id, identity_key, certificate}`.
    var json: [String: Any] {
        ["id": Int(id), "identity_key": b64(key.publicKey.rawRepresentation), "certificate": b64(certificate)]
    }

    /// The `POST /v1/devices` body with which an existing device of the user registers this one:
    /// the device and its own link proof.
    func linkJSON() throws -> [String: Any] {
        var body = json
        body["link_proof"] = b64(
            key.signature(for: DeviceLinkProof.signedMessage(user: try UserID(user), device: id, identityKey: key.publicKey)))
        return body
    }

    /// A signed prekey body `{key, signature}` signed by this device, with the key.
    func signedPreKey() -> (body: [String: Any], key: X25519.PublicKey) {
        let spk = X25519.PrivateKey(random: SystemRandomSource()).publicKey
        return (
            [
                "key": b64(spk.rawRepresentation),
                "signature": b64(key.signature(for: SignatureDomain.signedPreKeyV2 + spk.rawRepresentation)),
            ], spk
        )
    }
}

/// Fresh X25519 public keys, base64.
func oneTimeKeys(_ count: Int) -> [String] {
    (0..<count).map { _ in b64(X25519.PrivateKey(random: SystemRandomSource()).publicKey.rawRepresentation) }
}

func b64(_ bytes: [UInt8]) -> String { Data(bytes).base64EncodedString() }

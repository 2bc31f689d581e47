import Foundation
import ParleyCrypto
import ParleyKeyServer

extension TestDevice {
    /// A PQ prekey body `{key, signature}`: 1568 random bytes (opaque to the server) signed by this
    /// device's identity key over `SignatureDomain.pqPreKeyV2 || key`.
    func pqPreKey() -> [String: Any] {
        let key = randomBytes(PQPreKeyRecord.keyByteCount)
        return ["key": b64(key), "signature": b64(self.key.signature(for: SignatureDomain.pqPreKeyV2 + key))]
    }

    /// `count` PQ prekey bodies.
    func pqPreKeys(_ count: Int) -> [[String: Any]] { (0..<count).map { _ in pqPreKey() } }
}

/// `count` random bytes.
func randomBytes(_ count: Int) -> [UInt8] {
    var generator = SystemRandomNumberGenerator()
    return (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
}

/// The PQ prekey of a claim response's first bundle: its key, and whether it is the last-resort
/// one; nil when the bundle has no `pq_prekey` (or there is no bundle).
func claimedPQPreKey(_ reply: Reply) -> (key: String, lastResort: Bool)? {
    guard let bundle = (reply.json["bundles"] as? [[String: Any]])?.first,
        let pq = bundle["pq_prekey"] as? [String: Any], let key = pq["key"] as? String,
        let lastResort = pq["last_resort"] as? Bool
    else { return nil }
    return (key, lastResort)
}

/// Whether every `pq_prekey` in a claim response verifies as a client checks it: 1568 bytes,
/// signed by the bundle's identity key over `SignatureDomain.pqPreKeyV2 || key`.
func pqPreKeysVerify(_ reply: Reply) -> Bool {
    let bundles = reply.json["bundles"] as? [[String: Any]] ?? []
    return bundles.allSatisfy { bundle in
        guard let pq = bundle["pq_prekey"] as? [String: Any] else { return true }
        guard let identity = (bundle["identity_key"] as? String).flatMap({ Data(base64Encoded: $0) }),
            let identityKey = try? Ed25519.PublicKey(rawRepresentation: Array(identity)),
            let key = (pq["key"] as? String).flatMap({ Data(base64Encoded: $0) }),
            let signature = (pq["signature"] as? String).flatMap({ Data(base64Encoded: $0) })
        else { return false }
        return key.count == PQPreKeyRecord.keyByteCount
            && identityKey.isValidSignature(Array(signature), for: SignatureDomain.pqPreKeyV2 + Array(key))
    }
}

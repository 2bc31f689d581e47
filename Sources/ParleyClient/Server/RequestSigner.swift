import Foundation
import ParleyCrypto
import ParleyServerAPI

/// Signs key-server requests as one device (Specs/server-api.md §2).
///
/// Ed25519 signatures are deterministic and the server rejects a signature it has seen, so two
/// requests with the same method, target and body need different timestamps: the signer never
/// hands out the same millisecond twice.
final class RequestSigner: @unchecked Sendable {
    let user: String
    let device: UInt32
    private let key: Ed25519.PrivateKey
    // Guarded by `lock`.
    private let lock = NSLock()
    private var lastTimestamp: Int64 = 0

    init(user: String, device: UInt32, key: Ed25519.PrivateKey) {
        self.user = user
        self.device = device
        self.key = key
    }

    /// The three `Parley-*` headers for one request whose body has SHA-256 `bodyDigest`.
    func headers(method: String, pathWithQuery: String, bodyDigest: [UInt8]) -> [(String, String)] {
        let timestamp = String(nextTimestamp())
        let input = RequestSignature.signingInput(
            method: method, pathWithQuery: pathWithQuery, timestamp: timestamp, bodyDigest: bodyDigest)
        return [
            (RequestSignature.deviceHeader, "\(user)/\(device)"),
            (RequestSignature.timestampHeader, timestamp),
            (RequestSignature.signatureHeader, Data(key.signature(for: input)).base64EncodedString()),
        ]
    }

    private func nextTimestamp() -> Int64 {
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        return lock.withLock {
            lastTimestamp = max(now, lastTimestamp + 1)
            return lastTimestamp
        }
    }
}

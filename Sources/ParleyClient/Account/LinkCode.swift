import Foundation
import ParleyCrypto
import ParleyProtocol
import ParleyServerAPI

/// What a new device shows so that the user's primary device can certify it: the user, the new
/// device's id and identity key, the new device's proof of possession of that key, its first
/// signed prekey (Parley-v2 signature), which the primary registers with it, and the link secret, with which the primary confirms the account key to
/// the new device (``LinkConfirmation``; Specs/client.md, "Linking a device").
///
/// Text form (``text``): `parley-link:2:` + base64url without padding of
/// `u8(len(user)) || user || u32(device) || identity key (32) || link proof (64) ||
/// signed prekey (32) || signed prekey signature (64) || link secret (16) || check (4)`, where the
/// check is the first 4 bytes of SHA-256 of everything before it (a mistyped code is refused
/// rather than confirming with a wrong secret). It holds a secret, so `description` does not show
/// it.
public struct LinkCode: Sendable, Equatable, CustomStringConvertible {
    /// The prefix of the text form, with its version.
    public static let prefix = "parley-link:2:"

    /// The user the new device joins.
    public let user: String
    /// The new device's id.
    public let device: UInt32
    /// The new device's identity key.
    public let identityKey: Ed25519.PublicKey
    /// The new device's signature over its ``DeviceLinkProof`` statement.
    public let proof: [UInt8]
    /// The new device's first signed prekey (public part).
    public let signedPreKey: X25519.PublicKey
    /// The identity key's signature over ``signedPreKey``.
    public let signedPreKeySignature: [UInt8]
    /// The link secret: only the new device and whoever reads the code know it.
    let secret: SecureBytes

    /// A code for `identity` joining `user` as `device`, with its first signed prekey and the
    /// link secret.
    init(
        user: UserID, device: UInt32, identity: Ed25519.PrivateKey, signedPreKey: X25519.PublicKey, secret: SecureBytes
    ) {
        self.user = user.rawValue
        self.device = device
        self.identityKey = identity.publicKey
        self.proof = identity.signature(
            for: DeviceLinkProof.signedMessage(user: user, device: device, identityKey: identity.publicKey))
        self.signedPreKey = signedPreKey
        self.signedPreKeySignature = identity.signature(
            for: SignedPreKey.signedMessage(for: signedPreKey, version: .v2))
        self.secret = secret
    }

    /// Parses and checks a code: the layout, that the proof verifies and that the signed prekey
    /// is signed by the identity key.
    /// - Throws: ``ClientError/invalidLinkCode``.
    public init(parsing text: String) throws {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        let fixedLength =
            4 + Ed25519.publicKeyByteCount + 2 * Ed25519.signatureByteCount + X25519.keyByteCount
            + LinkConfirmation.secretByteCount + Self.checkByteCount
        guard trimmed.hasPrefix(Self.prefix), let bytes = Self.base64URLDecode(String(trimmed.dropFirst(Self.prefix.count))),
            let userLength = bytes.first.map(Int.init), bytes.count == 1 + userLength + fixedLength,
            ConstantTime.equals(Array(bytes.suffix(Self.checkByteCount)), Self.check(bytes.dropLast(Self.checkByteCount))),
            let user = try? UserID(String(decoding: bytes[1..<(1 + userLength)], as: UTF8.self))
        else { throw ClientError.invalidLinkCode }
        var reader = ByteReader(bytes, from: 1 + userLength)
        let device = reader.take(4).reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        guard let key = try? Ed25519.PublicKey(rawRepresentation: reader.take(Ed25519.publicKeyByteCount)) else {
            throw ClientError.invalidLinkCode
        }
        let proof = reader.take(Ed25519.signatureByteCount)
        guard let signedPreKey = try? X25519.PublicKey(rawRepresentation: reader.take(X25519.keyByteCount)) else {
            throw ClientError.invalidLinkCode
        }
        let signedPreKeySignature = reader.take(Ed25519.signatureByteCount)
        var secret = reader.take(LinkConfirmation.secretByteCount)
        self.secret = SecureBytes(zeroingAfterCopy: &secret)
        guard DeviceLinkProof.isValid(proof, user: user, device: device, identityKey: key),
            key.isValidSignature(signedPreKeySignature, for: SignedPreKey.signedMessage(for: signedPreKey, version: .v2))
        else { throw ClientError.invalidLinkCode }
        self.user = user.rawValue
        self.device = device
        self.identityKey = key
        self.proof = proof
        self.signedPreKey = signedPreKey
        self.signedPreKeySignature = signedPreKeySignature
    }

    /// The text to show and type or paste (it holds the link secret).
    public var text: String {
        var bytes = [UInt8(truncatingIfNeeded: user.utf8.count)] + Array(user.utf8)
        bytes += [UInt8(truncatingIfNeeded: device >> 24), UInt8(truncatingIfNeeded: device >> 16)]
        bytes += [UInt8(truncatingIfNeeded: device >> 8), UInt8(truncatingIfNeeded: device)]
        bytes += identityKey.rawRepresentation + proof + signedPreKey.rawRepresentation + signedPreKeySignature
        bytes += secret.withUnsafeBytes { Array($0) }
        bytes += Self.check(bytes)
        defer { bytes.withUnsafeMutableBytes { _ = $0.initializeMemory(as: UInt8.self, repeating: 0) } }
        return Self.prefix + Self.base64URLEncode(bytes)
    }

    /// Names the code without its secret.
    public var description: String { "link code for device \(device) of \(user)" }

    /// Bytes of the check at the end.
    private static let checkByteCount = 4

    /// The check over the code's other bytes.
    private static func check(_ bytes: some Collection<UInt8>) -> [UInt8] {
        Array(SHA256.hash(Array(bytes)).prefix(checkByteCount))
    }

    private static func base64URLEncode(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// Decodes unpadded base64url, accepting only the canonical text (no stray low bits in the
    /// last character), so that one code has exactly one spelling.
    private static func base64URLDecode(_ text: String) -> [UInt8]? {
        guard text.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) else { return nil }
        var standard = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        standard += String(repeating: "=", count: (4 - standard.count % 4) % 4)
        guard let bytes = Data(base64Encoded: standard).map(Array.init), base64URLEncode(bytes) == text else { return nil }
        return bytes
    }
}

/// Reads consecutive slices of a byte array whose length was checked beforehand.
private struct ByteReader {
    private let bytes: [UInt8]
    private var offset: Int

    init(_ bytes: [UInt8], from offset: Int) {
        self.bytes = bytes
        self.offset = offset
    }

    /// The next `count` bytes.
    mutating func take(_ count: Int) -> [UInt8] {
        defer { offset += count }
        return Array(bytes[offset..<(offset + count)])
    }
}

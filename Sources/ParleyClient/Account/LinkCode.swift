import Foundation
import ParleyCrypto
import ParleyServerAPI

/// What a new device shows so that the user's primary device can certify it: the user, the new
/// device's id and identity key, the new device's proof of possession of that key, and its first
/// signed prekey, which the primary registers with it so that the new device can be sent to
/// before it first syncs (Specs/client.md, "Linking a device").
///
/// Text form: `parley-link:2:` + base64url without padding of
/// `u8(len(user)) || user || u32(device) || identity key (32) || link proof (64) ||
/// signed prekey (32) || signed prekey signature (64)`.
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

    /// A code for `identity` joining `user` as `device`, with its first signed prekey.
    init(user: UserID, device: UInt32, identity: Ed25519.PrivateKey, signedPreKey: X25519.PublicKey) {
        self.user = user.rawValue
        self.device = device
        self.identityKey = identity.publicKey
        self.proof = identity.signature(
            for: DeviceLinkProof.signedMessage(user: user, device: device, identityKey: identity.publicKey))
        self.signedPreKey = signedPreKey
        self.signedPreKeySignature = identity.signature(for: signedPreKey.rawRepresentation)
    }

    /// Parses and checks a code: the layout, that the proof verifies and that the signed prekey
    /// is signed by the identity key.
    /// - Throws: ``ClientError/invalidLinkCode``.
    public init(parsing text: String) throws {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        let fixedLength = 4 + Ed25519.publicKeyByteCount + 2 * Ed25519.signatureByteCount + X25519.keyByteCount
        guard trimmed.hasPrefix(Self.prefix), let bytes = Self.base64URLDecode(String(trimmed.dropFirst(Self.prefix.count))),
            let userLength = bytes.first.map(Int.init), bytes.count == 1 + userLength + fixedLength,
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
        guard DeviceLinkProof.isValid(proof, user: user, device: device, identityKey: key),
            key.isValidSignature(signedPreKeySignature, for: signedPreKey.rawRepresentation)
        else { throw ClientError.invalidLinkCode }
        self.user = user.rawValue
        self.device = device
        self.identityKey = key
        self.proof = proof
        self.signedPreKey = signedPreKey
        self.signedPreKeySignature = signedPreKeySignature
    }

    /// The text to show and type or paste.
    public var description: String {
        var bytes = [UInt8(truncatingIfNeeded: user.utf8.count)] + Array(user.utf8)
        bytes += [UInt8(truncatingIfNeeded: device >> 24), UInt8(truncatingIfNeeded: device >> 16)]
        bytes += [UInt8(truncatingIfNeeded: device >> 8), UInt8(truncatingIfNeeded: device)]
        bytes += identityKey.rawRepresentation + proof + signedPreKey.rawRepresentation + signedPreKeySignature
        return Self.prefix + Self.base64URLEncode(bytes)
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

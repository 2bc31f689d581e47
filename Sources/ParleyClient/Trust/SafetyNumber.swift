import ParleyCrypto
import ParleyServerAPI

/// The number two users compare (read aloud or scanned) to know that each holds the other's real
/// account key (Specs/client.md, "Safety numbers"; Signal's numeric fingerprint).
///
/// Per party: h = SHA-512(0x0000 || account key || user id), then 5,200 times
/// h = SHA-512(h || account key). The first 30 bytes of h give 30 digits (six 5-byte big-endian
/// integers, each mod 100,000 as 5 digits); the first 32 bytes are the party's scannable
/// fingerprint. The safety number is both parties' digits, the smaller string first, so both
/// sides compute the same 60 digits.
public struct SafetyNumber: Sendable {
    /// Fingerprint version, hashed first.
    public static let version: UInt16 = 0
    /// Hash iterations: slows a search for a key whose digits collide with a target's (Signal's
    /// count; about 5 ms per party here).
    public static let iterations = 5200
    /// Start of the scannable text; the `1` is the scan format's version.
    public static let scanPrefix = "parley-safety:1:"
    /// Bytes of a scannable fingerprint.
    public static let fingerprintByteCount = 32

    /// This side's scannable fingerprint (first 32 bytes of its final hash).
    public let localFingerprint: [UInt8]
    /// The other side's scannable fingerprint.
    public let remoteFingerprint: [UInt8]
    /// The 60 digits, identical on both sides.
    public let digits: String
    /// The other user, and the account key this number was computed from: what
    /// ``ParleyClient/verify(_:)`` pins, so that the key confirmed is the key whose number was shown.
    public let remoteUser: UserID
    public let remoteKey: Ed25519.PublicKey

    /// Computes the safety number between this user and another.
    /// - Parameters:
    ///   - localKey: this user's Ed25519 account public key.
    ///   - localUser: this user's id.
    ///   - remoteKey: the other user's account public key, as this side has it pinned.
    ///   - remoteUser: the other user's id.
    public init(localKey: Ed25519.PublicKey, localUser: UserID, remoteKey: Ed25519.PublicKey, remoteUser: UserID) {
        let local = Self.fingerprintHash(key: localKey, user: localUser)
        let remote = Self.fingerprintHash(key: remoteKey, user: remoteUser)
        localFingerprint = Array(local.prefix(Self.fingerprintByteCount))
        remoteFingerprint = Array(remote.prefix(Self.fingerprintByteCount))
        let localDigits = Self.digits(of: local)
        let remoteDigits = Self.digits(of: remote)
        digits = localDigits < remoteDigits ? localDigits + remoteDigits : remoteDigits + localDigits
        self.remoteUser = remoteUser
        self.remoteKey = remoteKey
    }

    /// The digits as 12 groups of 5, separated by single spaces.
    public var displayString: String { groups.joined(separator: " ") }

    /// The digits as 4 lines of 3 groups, for a screen.
    public var lines: [String] {
        stride(from: 0, to: 12, by: 3).map { groups[$0..<($0 + 3)].joined(separator: " ") }
    }

    /// The text to show as a QR code: `parley-safety:1:` + hex(local fingerprint) + `:` +
    /// hex(remote fingerprint).
    public var scannablePayload: String {
        Self.scanPrefix + Hex.encode(localFingerprint) + ":" + Hex.encode(remoteFingerprint)
    }

    /// Compares the other side's scanned code with this number: the code's first fingerprint
    /// must be our remote one and its second our local one (compared in constant time).
    /// - Parameter scanned: the text read from the other device's QR code.
    /// - Returns: true when both fingerprints match.
    /// - Throws: ``SafetyNumberError`` when the text is not a safety code of version 1.
    public func matches(scanned: String) throws(SafetyNumberError) -> Bool {
        let parts = scanned.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0] == "parley-safety" else { throw .notASafetyCode }
        guard parts[1] == "1" else { throw .unsupportedVersion(String(parts[1])) }
        guard let theirLocal = Hex.decode(String(parts[2])), let theirRemote = Hex.decode(String(parts[3])),
            theirLocal.count == Self.fingerprintByteCount, theirRemote.count == Self.fingerprintByteCount
        else { throw .notASafetyCode }
        return ConstantTime.equals(theirLocal + theirRemote, remoteFingerprint + localFingerprint)
    }

    private var groups: [String] {
        let characters = Array(digits)
        return stride(from: 0, to: characters.count, by: 5).map { String(characters[$0..<($0 + 5)]) }
    }

    /// The final 64-byte hash of one party.
    static func fingerprintHash(key: Ed25519.PublicKey, user: UserID) -> [UInt8] {
        let input: [UInt8] = [UInt8(truncatingIfNeeded: version >> 8), UInt8(truncatingIfNeeded: version)]
        var hash = SHA512.hash(input + key.rawRepresentation + user.utf8Bytes)
        for _ in 0..<iterations { hash = SHA512.hash(hash + key.rawRepresentation) }
        return hash
    }

    /// 30 digits from the first 30 bytes: six 40-bit big-endian integers mod 100,000.
    static func digits(of hash: [UInt8]) -> String {
        stride(from: 0, to: 30, by: 5).map { start in
            let value = hash[start..<(start + 5)].reduce(UInt64(0)) { $0 << 8 | UInt64($1) } % 100_000
            let text = String(value)
            return String(repeating: "0", count: 5 - text.count) + text
        }.joined()
    }
}

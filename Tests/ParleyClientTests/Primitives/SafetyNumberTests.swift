import ParleyCrypto
import ParleyServerAPI
import Testing

@testable import ParleyClient

/// Safety numbers: symmetric, sensitive to every input, equal to an independent computation.
@Suite struct SafetyNumberTests {
    let aliceKey: Ed25519.PublicKey
    let bobKey: Ed25519.PublicKey
    let alice: UserID
    let bob: UserID

    init() throws {
        aliceKey = try Ed25519.PublicKey(rawRepresentation: Array(0..<32))
        bobKey = try Ed25519.PublicKey(rawRepresentation: Array(32..<64))
        alice = try UserID("alice")
        bob = try UserID("bob")
    }

    /// Expected values from Python's hashlib, independent of libsodium and of this code:
    ///
    ///     import hashlib
    ///     def fp(key, user):
    ///         h = hashlib.sha512(b"\x00\x00" + key + user.encode()).digest()
    ///         for _ in range(5200):
    ///             h = hashlib.sha512(h + key).digest()
    ///         return h
    ///     def digits(h):
    ///         return "".join("%05d" % (int.from_bytes(h[i:i+5], "big") % 100000) for i in range(0, 30, 5))
    ///     a, b = fp(bytes(range(32)), "alice"), fp(bytes(range(32, 64)), "bob")
    ///     da, db = digits(a), digits(b)
    ///     print(min(da, db) + max(da, db)); print(a[:32].hex()); print(b[:32].hex())
    @Test func matchesIndependentComputation() {
        let number = SafetyNumber(localKey: aliceKey, localUser: alice, remoteKey: bobKey, remoteUser: bob)
        #expect(number.digits == "152597132313558509611953701603312853211110151013083951080530")
        #expect(Hex.encode(number.localFingerprint) == "dd0b7a37156861223b2f77eea83887ba0dcc2b5c3b1dff46b69091da1a52cd60")
        #expect(Hex.encode(number.remoteFingerprint) == "285e259d5b6ac975c29bc1cc337936f176bd88116964ace9110595e8d92396c2")
        #expect(number.displayString == "15259 71323 13558 50961 19537 01603 31285 32111 10151 01308 39510 80530")
        #expect(number.lines == ["15259 71323 13558", "50961 19537 01603", "31285 32111 10151", "01308 39510 80530"])
    }

    @Test func bothSidesSeeTheSameDigits() {
        let ours = SafetyNumber(localKey: aliceKey, localUser: alice, remoteKey: bobKey, remoteUser: bob)
        let theirs = SafetyNumber(localKey: bobKey, localUser: bob, remoteKey: aliceKey, remoteUser: alice)
        #expect(ours.digits == theirs.digits)
        #expect(ours.digits.count == 60 && ours.digits.allSatisfy(\.isWholeNumber))
        #expect(ours.displayString.split(separator: " ").count == 12)
    }

    @Test func anyKeyBitOrUserChangesTheNumber() throws {
        let original = SafetyNumber(localKey: aliceKey, localUser: alice, remoteKey: bobKey, remoteUser: bob).digits
        for index in 0..<32 {
            var raw = bobKey.rawRepresentation
            raw[index] ^= 1 << (index % 8)
            let changed = try SafetyNumber(
                localKey: aliceKey, localUser: alice, remoteKey: Ed25519.PublicKey(rawRepresentation: raw), remoteUser: bob)
            #expect(changed.digits != original, "byte \(index)")
        }
        let otherUser = SafetyNumber(localKey: aliceKey, localUser: alice, remoteKey: bobKey, remoteUser: try UserID("bob2"))
        #expect(otherUser.digits != original)
        let otherLocal = SafetyNumber(localKey: aliceKey, localUser: try UserID("alice2"), remoteKey: bobKey, remoteUser: bob)
        #expect(otherLocal.digits != original)
    }

    @Test func scannedCodeOfTheOtherSideMatches() throws {
        let ours = SafetyNumber(localKey: aliceKey, localUser: alice, remoteKey: bobKey, remoteUser: bob)
        let theirs = SafetyNumber(localKey: bobKey, localUser: bob, remoteKey: aliceKey, remoteUser: alice)
        #expect(ours.scannablePayload.hasPrefix("parley-safety:1:"))
        #expect(ours.scannablePayload.count == 16 + 64 + 1 + 64)
        #expect(try ours.matches(scanned: theirs.scannablePayload))
        #expect(try theirs.matches(scanned: ours.scannablePayload))
        // Our own code is not the other side's (local and remote are swapped).
        #expect(try !ours.matches(scanned: ours.scannablePayload))
    }

    @Test func scannedCodeWithAnotherKeyDoesNotMatch() throws {
        let ours = SafetyNumber(localKey: aliceKey, localUser: alice, remoteKey: bobKey, remoteUser: bob)
        let mallory = try Ed25519.PublicKey(rawRepresentation: [UInt8](repeating: 7, count: 32))
        let theirs = SafetyNumber(localKey: mallory, localUser: bob, remoteKey: aliceKey, remoteUser: alice)
        #expect(try !ours.matches(scanned: theirs.scannablePayload))
        var flipped = Array(theirs.scannablePayload)
        flipped[20] = flipped[20] == "0" ? "1" : "0"
        #expect(try !ours.matches(scanned: String(flipped)))
    }

    @Test func malformedCodesAreRejected() {
        let ours = SafetyNumber(localKey: aliceKey, localUser: alice, remoteKey: bobKey, remoteUser: bob)
        let hex = String(repeating: "ab", count: 32)
        for text in [
            "", "hello", "parley-safety:1:\(hex)", "parley-safety:1:\(hex):\(hex.dropLast())", "other:1:\(hex):\(hex)",
            "parley-safety:1:\(hex):\(hex):", "parley-safety:1:\(hex):zz\(hex.dropFirst(2))",
        ] {
            #expect(throws: SafetyNumberError.notASafetyCode, "\(text)") { try ours.matches(scanned: text) }
        }
        #expect(throws: SafetyNumberError.unsupportedVersion("2")) { try ours.matches(scanned: "parley-safety:2:\(hex):\(hex)") }
    }
}

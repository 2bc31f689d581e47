import ParleyCrypto
import ParleyServerAPI
import Testing

@testable import ParleyClient

/// Message payloads: round trips, padding, and strict rejection of everything malformed.
@Suite struct PayloadTests {
    let random = CountingRandomSource(start: 0x40)

    func pointer(keyByte: UInt8 = 0xC3, fileName: String = "Übersicht 中文.pdf") throws -> AttachmentPointer {
        try AttachmentPointer(
            attachmentID: String(repeating: "ab", count: 32), key: SecureBytes(copying: [UInt8](repeating: keyByte, count: 32)),
            plaintextSize: 70_000, ciphertextSize: AttachmentFormat.ciphertextSize(plaintextSize: 70_000),
            ciphertextSHA256: SHA256.hash([1, 2, 3]), fileName: fileName, mediaType: "application/pdf")
    }

    /// One payload of each kind, with and without a synced-to user.
    func samples() throws -> [MessagePayload] {
        let ids = (0..<3).map { _ in MessageID(random: random) }
        return [
            try MessagePayload(random: random, sentAt: 1_764_230_400_123, body: .text("hello")),
            try MessagePayload(random: random, sentAt: 0, body: .text("")),
            try MessagePayload(random: random, sentAt: -1, syncedTo: UserID("bob.smith"), body: .text("中文 العربية 👋🏽🇩🇪")),
            try MessagePayload(random: random, sentAt: 42, body: .attachment(pointer())),
            try MessagePayload(random: random, sentAt: 42, syncedTo: UserID("carol"), body: .receipt(ids)),
        ]
    }

    @Test func everyKindRoundTrips() throws {
        for payload in try samples() {
            let encoded = payload.encode()
            let decoded = try MessagePayload(decoding: encoded)
            #expect(decoded == payload)
            #expect(decoded.encode() == encoded)
        }
    }

    @Test func unicodeTextSurvives() throws {
        for text in ["中文", "العربية", "👩‍👩‍👧‍👦 🇯🇵", "e\u{301}", String(repeating: "ü", count: 32_768)] {
            let payload = try MessagePayload(random: random, sentAt: 1, body: .text(text))
            guard case .text(let decoded) = try MessagePayload(decoding: payload.encode()).body else {
                Issue.record("not text")
                continue
            }
            #expect(Array(decoded.utf8) == Array(text.utf8))
        }
    }

    @Test func lengthIsTheBodyRoundedUpTo160() throws {
        // Header 26 bytes + kind 1 + length 4 = 31 bytes before the text.
        for length in 0...700 {
            let payload = try MessagePayload(random: random, sentAt: 1, body: .text(String(repeating: "x", count: length)))
            let encoded = payload.encode()
            #expect(encoded.count % 160 == 0)
            #expect(encoded.count >= 31 + length && encoded.count < 31 + length + 160)
        }
        #expect(
            try MessagePayload(random: random, sentAt: 1, body: .text(String(repeating: "x", count: 129))).encode().count == 160)
        #expect(
            try MessagePayload(random: random, sentAt: 1, body: .text(String(repeating: "x", count: 130))).encode().count == 320)
    }

    @Test func everyTruncationIsRejected() throws {
        for payload in try samples() {
            let encoded = payload.encode()
            for length in 0..<encoded.count {
                #expect(throws: PayloadError.self) { try MessagePayload(decoding: Array(encoded.prefix(length))) }
            }
        }
    }

    /// Any single bit flip either fails or decodes to a payload that encodes to exactly the
    /// flipped bytes (the encoding is canonical, so no flip is silently reinterpreted).
    @Test func bitFlipsFailOrDecodeConsistently() throws {
        for payload in try samples() {
            let encoded = payload.encode()
            var rejected = 0
            for index in encoded.indices {
                for bit in 0..<8 {
                    var flipped = encoded
                    flipped[index] ^= 1 << bit
                    do {
                        let decoded = try MessagePayload(decoding: flipped)
                        #expect(decoded.encode() == flipped, "byte \(index) bit \(bit)")
                    } catch {
                        rejected += 1
                    }
                }
            }
            // Flips in the version byte, the flag, the kind and the padding at least are refused.
            #expect(rejected >= 8 * 3)
        }
    }

    /// Random inputs, and valid payloads with a random byte overwritten, either fail with a
    /// typed error or decode to a payload that re-encodes to the same bytes (fixed seed, so a
    /// failure reproduces).
    @Test func randomInputsFailOrDecodeConsistently() throws {
        var generator = PayloadTestGenerator(seed: 0x5EED)
        let valid = try samples().map { $0.encode() }
        for round in 0..<5000 {
            var input: [UInt8]
            if round % 2 == 0 {
                input = (0..<Int.random(in: 0...400, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
                if !input.isEmpty { input[0] = 1 }  // past the version check
            } else {
                input = valid[round % valid.count]
                input[Int.random(in: 0..<input.count, using: &generator)] = UInt8.random(in: 0...255, using: &generator)
            }
            if let decoded = try? MessagePayload(decoding: input) {
                #expect(decoded.encode() == input, "round \(round)")
            }
        }
    }

    @Test func nonZeroPaddingIsRejected() throws {
        var encoded = try MessagePayload(random: random, sentAt: 1, body: .text("hi")).encode()
        encoded[encoded.count - 1] = 1
        #expect(throws: PayloadError.nonZeroPadding) { try MessagePayload(decoding: encoded) }
    }

    @Test func paddingOtherThanTheRoundedLengthIsRejected() throws {
        let encoded = try MessagePayload(random: random, sentAt: 1, body: .text("hi")).encode()
        #expect(throws: PayloadError.invalidPadding) { try MessagePayload(decoding: encoded + [UInt8](repeating: 0, count: 160)) }
        #expect(throws: PayloadError.invalidPadding) { try MessagePayload(decoding: encoded + [0]) }
        let exact = try MessagePayload(random: random, sentAt: 1, body: .text(String(repeating: "x", count: 129))).encode()
        #expect(throws: PayloadError.invalidPadding) { try MessagePayload(decoding: exact + [7]) }
    }

    @Test func unknownVersionKindAndFlagAreRejected() throws {
        let encoded = try MessagePayload(random: random, sentAt: 1, body: .text("hi")).encode()
        var version = encoded
        version[0] = 2
        #expect(throws: PayloadError.unsupportedVersion(2)) { try MessagePayload(decoding: version) }
        var flag = encoded
        flag[25] = 2
        #expect(throws: PayloadError.invalidFlag(2)) { try MessagePayload(decoding: flag) }
        for kind: UInt8 in [0, 4, 0xFF] {
            var unknown = encoded
            unknown[26] = kind
            #expect(throws: PayloadError.unknownKind(kind)) { try MessagePayload(decoding: unknown) }
        }
        #expect(throws: PayloadError.truncated) { try MessagePayload(decoding: []) }
    }

    @Test func lengthFieldsAreChecked() throws {
        var encoded = try MessagePayload(random: random, sentAt: 1, body: .text("hi")).encode()
        encoded.replaceSubrange(27..<31, with: [0, 1, 0, 1])  // 65,537 bytes announced
        #expect(throws: PayloadError.textTooLong(65_537)) { try MessagePayload(decoding: encoded) }
        encoded.replaceSubrange(27..<31, with: [0, 0, 0, 200])  // more than the 160 bytes there are
        #expect(throws: PayloadError.truncated) { try MessagePayload(decoding: encoded) }
        var invalid = try MessagePayload(random: random, sentAt: 1, body: .text("hi")).encode()
        invalid[31] = 0xFF  // not UTF-8
        #expect(throws: PayloadError.invalidUTF8) { try MessagePayload(decoding: invalid) }

        let receipt = try MessagePayload(random: random, sentAt: 1, body: .receipt([MessageID(random: random)])).encode()
        var zero = receipt
        zero.replaceSubrange(27..<29, with: [0, 0])
        #expect(throws: PayloadError.invalidReceiptCount(0)) { try MessagePayload(decoding: zero) }
        var many = receipt
        many.replaceSubrange(27..<29, with: [0x03, 0xE9])
        #expect(throws: PayloadError.invalidReceiptCount(1001)) { try MessagePayload(decoding: many) }

        let synced = try MessagePayload(random: random, sentAt: 1, syncedTo: UserID("bob"), body: .text("hi")).encode()
        var badUser = synced
        badUser[27] = UInt8(ascii: "B")  // upper case is not a user id
        #expect(throws: PayloadError.invalidUserID) { try MessagePayload(decoding: badUser) }
    }

    @Test func limitsAreEnforcedWhenBuilding() throws {
        #expect(throws: PayloadError.textTooLong(65_537)) {
            try MessagePayload(random: random, sentAt: 1, body: .text(String(repeating: "a", count: 65_537)))
        }
        #expect(throws: PayloadError.invalidReceiptCount(0)) { try MessagePayload(random: random, sentAt: 1, body: .receipt([])) }
        let tooMany = (0...1000).map { _ in MessageID(random: random) }
        #expect(throws: PayloadError.invalidReceiptCount(1001)) {
            try MessagePayload(random: random, sentAt: 1, body: .receipt(tooMany))
        }
        let thousand = Array(tooMany.prefix(1000))
        let full = try MessagePayload(random: random, sentAt: 1, body: .receipt(thousand))
        #expect(try MessagePayload(decoding: full.encode()) == full)
    }

    @Test func attachmentPointerRulesAreChecked() throws {
        let key = SecureBytes(copying: [UInt8](repeating: 1, count: 32))
        let digest = SHA256.hash([])
        let size = AttachmentFormat.ciphertextSize(plaintextSize: 10)
        func make(
            id: String = "abc", key: SecureBytes = key, plain: Int64 = 10, cipher: Int64 = size, digest: [UInt8] = digest,
            name: String = "a.txt", type: String = "text/plain; charset=utf-8"
        ) throws(PayloadError) -> AttachmentPointer {
            try AttachmentPointer(
                attachmentID: id, key: key, plaintextSize: plain, ciphertextSize: cipher, ciphertextSHA256: digest,
                fileName: name, mediaType: type)
        }
        _ = try make()
        _ = try make(name: "", type: "")
        for id in ["", "../etc", "a/b", "a b", String(repeating: "a", count: 129)] {
            #expect(throws: PayloadError.invalidAttachmentID) { try make(id: id) }
        }
        #expect(throws: PayloadError.invalidAttachmentKeyLength(31)) {
            try make(key: SecureBytes(copying: [UInt8](repeating: 1, count: 31)))
        }
        #expect(throws: PayloadError.invalidAttachmentSize) { try make(plain: -1) }
        #expect(throws: PayloadError.invalidAttachmentSize) { try make(cipher: size + 1) }
        #expect(throws: PayloadError.invalidAttachmentSize) {
            try make(
                plain: AttachmentFormat.maximumPlaintextByteCount + 1,
                cipher: AttachmentFormat.ciphertextSize(plaintextSize: AttachmentFormat.maximumPlaintextByteCount + 1))
        }
        #expect(throws: PayloadError.invalidDigestLength(31)) { try make(digest: Array(digest.prefix(31))) }
        // Control and bidirectional formatting characters: a name that retitles the terminal,
        // draws a second line, or shows "photo‮gpj.exe" as "photoexe.jpg".
        let displayTricks = ["a\u{1B}]0;pwned\u{7}", "a\nbank -> locked", "a\u{9B}2J", "photo\u{202E}gpj.exe", "a\u{7F}", "a\tb"]
        for name in ["a/b", ".", "..", "a\u{0}b", String(repeating: "é", count: 128)] + displayTricks {
            #expect(throws: PayloadError.invalidFileName) { try make(name: name) }
        }
        for type in ["text/\u{7F}", "bild/großes", String(repeating: "a", count: 256)] {
            #expect(throws: PayloadError.invalidMediaType) { try make(type: type) }
        }
    }

    @Test func descriptionsShowNoKey() throws {
        let keyBytes: [UInt8] = Array(0xA0..<0xC0)
        let pointer = try AttachmentPointer(
            attachmentID: "id", key: SecureBytes(copying: keyBytes), plaintextSize: 0,
            ciphertextSize: AttachmentFormat.ciphertextSize(plaintextSize: 0), ciphertextSHA256: SHA256.hash([]),
            fileName: "f", mediaType: "t")
        let payload = try MessagePayload(random: random, sentAt: 1, body: .attachment(pointer))
        let encrypted = EncryptedAttachment(key: pointer.key, plaintextSize: 0, ciphertextSize: 41, ciphertextSHA256: [0])
        for value in [pointer as Any, payload as Any, encrypted as Any] {
            var dumped = ""
            dump(value, to: &dumped)
            for text in [String(describing: value), String(reflecting: value), dumped] {
                #expect(!text.contains(Hex.encode(keyBytes).prefix(8)))
                #expect(!text.contains("160, 161"))  // 0xA0, 0xA1 as decimal array elements
                #expect(text.contains("redacted"))
            }
        }
    }

    @Test func messageIDPrintsAsHex() throws {
        let id = try MessageID(rawRepresentation: Array(0..<16))
        #expect(id.description == "000102030405060708090a0b0c0d0e0f")
        #expect(MessageID(hex: id.description) == id)
        #expect(MessageID(hex: "00") == nil)
        #expect(throws: PayloadError.invalidMessageIDLength(15)) { try MessageID(rawRepresentation: Array(0..<15)) }
    }
}

/// SplitMix64, for reproducible random test inputs (not for keys).
struct PayloadTestGenerator: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

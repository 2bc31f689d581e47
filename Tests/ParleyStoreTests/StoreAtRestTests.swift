import Foundation
import GRDB
import ParleyCrypto
import ParleyProtocol
import ParleyStore
import ParleyVectors
import Testing

/// Nothing secret or revealing is in the files, and every damaged or moved row is caught.
struct StoreAtRestTests {
    static let texts = [
        "The quick brown fox jumps over the lazy dog",
        "敏捷的棕色狐狸跳过了懒狗",
        "الثعلب البني السريع يقفز فوق الكلب الكسول",
        "Съешь же ещё этих мягких французских булок",
        "🦊🐕 secret emoji message 🔐",
    ]

    /// Writes known plaintexts, then scans the raw bytes of the database, its WAL and any
    /// journal: none of them, nor the key bytes, nor the peer and contact names, may appear.
    @Test func knownPlaintextsNeverReachTheFiles() async throws {
        let directory = TemporaryDirectory()
        let alice = try await StoreFixtures.makeStore(directory, "alice.sqlite", seed: 50)
        let bob = try await StoreFixtures.makeStore(directory, "bob.sqlite", seed: 51)
        let bundle = try await StoreFixtures.publish(bob, seed: 52)
        // Parley-v2 PQ prekeys: their 64-byte seeds must be sealed like every other private key.
        let pqRandom = SeededRandomSource(seed: 53)
        let pqPreKeys = [
            PQPreKey(kind: .oneTime, identity: try await bob.identityKeyPair(), random: pqRandom),
            PQPreKey(kind: .lastResort, identity: try await bob.identityKeyPair(), random: pqRandom),
        ]
        try await bob.savePQPreKeys(pqPreKeys)
        try await alice.startSession(with: PeerAddress(user: "bob-the-peer", device: 7), bundle: bundle)
        for (index, text) in Self.texts.enumerated() {
            let item = try await alice.send(
                Array(text.utf8), to: PeerAddress(user: "bob-the-peer", device: 7), conversation: "bob-the-peer",
                historyBody: Array(text.utf8), timestamp: Int64(index))
            _ = try await bob.receive(
                envelopeID: "envelope-\(index)", from: PeerAddress(user: "alice-the-peer", device: 3), body: item.wire,
                conversation: "alice-the-peer", timestamp: Int64(index))
        }
        try await alice.saveContact(
            Contact(user: "bob-the-peer", displayName: "Zoë Müller-Łukasiewicz", accountKey: Array(repeating: 0xAB, count: 32)))
        try await alice.setSetting("server-url", to: "https://parley.example.org:8443")
        let attachmentKey: [UInt8] = (0..<32).map { UInt8(0xC0 + $0 % 16) }
        try await alice.saveAttachment(
            AttachmentRecord(
                id: "attachment-id-1", key: SecureBytes(copying: attachmentKey), size: 5, ciphertextSHA256: [1, 2, 3],
                fileName: "holiday-photo.jpg", mediaType: "image/jpeg"))

        let identitySeed = try await alice.identityKeyPair().signingKey.seedRepresentation.unprotectedBytes()
        let bobIdentity = try await bob.identityKeyPair()
        let session = try #require(try await alice.sessionRecord(for: PeerAddress(user: "bob-the-peer", device: 7)))
        let sessionBytes = session.serialized.unprotectedBytes()
        var needles: [(String, [UInt8])] = Self.texts.map { ($0, Array($0.utf8)) }
        needles += [
            ("contact name", Array("Zoë Müller-Łukasiewicz".utf8)), ("peer user", Array("bob-the-peer".utf8)),
            ("sender user", Array("alice-the-peer".utf8)), ("envelope id", Array("envelope-1".utf8)),
            ("setting value", Array("parley.example.org".utf8)), ("setting name", Array("server-url".utf8)),
            ("attachment name", Array("holiday-photo".utf8)), ("attachment key", attachmentKey),
            ("account key", Array(repeating: 0xAB, count: 32)), ("identity seed", identitySeed),
            ("peer identity key", bobIdentity.publicKey.rawRepresentation),
            // Snapshot format 2: version, current flag, suite, AD (64), IK (32), EK_A (32), SPK_B (32),
            // OPK flag + OPK_B (33), PQ flag (1), awaiting flag (1), then the root key.
            ("session root key", Array(sessionBytes[198..<230])),
        ]
        for (index, preKey) in pqPreKeys.enumerated() {
            let seed = preKey.keyPair.seedRepresentation.unprotectedBytes()
            needles += [
                ("PQ prekey seed \(index) (d)", Array(seed[0..<32])), ("PQ prekey seed \(index) (z)", Array(seed[32..<64])),
            ]
        }
        // Scan while open (WAL present) and after closing.
        for phase in ["open", "closed"] {
            if phase == "closed" {
                try alice.close()
                try bob.close()
            }
            let files = try FileManager.default.contentsOfDirectory(atPath: directory.url.path)
            #expect(files.contains { $0.hasSuffix("-wal") } || phase == "closed")
            for file in files {
                let bytes = Array(try Data(contentsOf: directory.url.appendingPathComponent(file)))
                for (label, needle) in needles {
                    #expect(!contains(bytes, needle), "\(label) found in \(file) (\(phase))")
                }
            }
        }
    }

    @Test func tamperedSwappedAndMovedRowsAreIntegrityErrors() async throws {
        let directory = TemporaryDirectory()
        let store = try await StoreFixtures.makeStore(directory, "a.sqlite", seed: 60)
        try await store.saveContact(Contact(user: "carol", displayName: "Carol"))
        try await store.saveContact(Contact(user: "dave", displayName: "Dave"))
        try await store.setSetting("theme", to: "dark")
        let path = store.path
        try store.close()

        func edit(_ change: @escaping @Sendable (Database) throws -> Void) async throws {
            let queue = try DatabaseQueue(path: path)
            try await queue.write(change)
            try queue.close()
        }
        func open() async throws -> EncryptedStore {
            try await EncryptedStore.open(at: path, passphrase: StoreFixtures.passphrase)
        }

        // Swap the sealed values of two contacts.
        try await edit { db in
            let rows = try Row.fetchAll(db, sql: "SELECT user_hash, sealed FROM contacts")
            let (first, second): (Data, Data) = (rows[0]["sealed"], rows[1]["sealed"])
            try db.execute(
                sql: "UPDATE contacts SET sealed = ? WHERE user_hash = ?", arguments: [second, rows[0]["user_hash"] as Data])
            try db.execute(
                sql: "UPDATE contacts SET sealed = ? WHERE user_hash = ?", arguments: [first, rows[1]["user_hash"] as Data])
        }
        var reopened = try await open()
        await #expect(throws: StoreError.integrity(table: "contacts")) { try await reopened.contact("carol") }
        await #expect(throws: StoreError.integrity(table: "contacts")) { try await reopened.contacts() }
        try reopened.close()

        // Move a settings value into the contacts table under a contact's key.
        try await edit { db in
            let setting = try #require(try Data.fetchOne(db, sql: "SELECT sealed FROM settings"))
            try db.execute(sql: "UPDATE contacts SET sealed = ?", arguments: [setting])
        }
        reopened = try await open()
        await #expect(throws: StoreError.integrity(table: "contacts")) { try await reopened.contact("dave") }
        #expect(try await reopened.setting("theme") == "dark")
        try reopened.close()

        // Flip one bit of a setting and truncate the identity.
        try await edit { db in
            var sealed = Array(try #require(try Data.fetchOne(db, sql: "SELECT sealed FROM settings")))
            sealed[sealed.count / 2] ^= 0x10
            try db.execute(sql: "UPDATE settings SET sealed = ?", arguments: [Data(sealed)])
        }
        reopened = try await open()
        await #expect(throws: StoreError.integrity(table: "settings")) { try await reopened.setting("theme") }
        try reopened.close()
        try await edit { db in try db.execute(sql: "UPDATE identity SET sealed = x'0102'") }
        await #expect(throws: StoreError.integrity(table: "identity")) { try await open() }
    }

    private func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard !needle.isEmpty, haystack.count >= needle.count else { return false }
        let first = needle[0]
        var index = 0
        while index <= haystack.count - needle.count {
            if haystack[index] == first, haystack[index..<(index + needle.count)].elementsEqual(needle) { return true }
            index += 1
        }
        return false
    }
}

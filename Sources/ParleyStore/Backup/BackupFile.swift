import Foundation
import ParleyCrypto

/// The encrypted backup file (Specs/store.md §7):
///
///     "PARLEY-BACKUP" || u8 version (1) || salt (16) || u64 ops limit || u64 mem limit
///     || nonce (24) || XChaCha20-Poly1305(Argon2id(passphrase, salt, limits), payload, AD = all bytes before the nonce)
///
/// The payload is JSON: identity seed, contacts with trust decisions, settings, secrets,
/// message history and attachment records. Ratchet sessions and prekeys are deliberately absent: restoring old ratchet state
/// would reuse message keys, so a restored client starts new sessions.
enum BackupFile {
    static let magic = Array("PARLEY-BACKUP".utf8)
    static let version: UInt8 = 1

    struct Payload: Codable {
        var identitySeed: [UInt8]
        var contacts: [Contact]
        var settings: [[String]]
        var history: [StoredMessage]
        /// Absent in backups written before attachment records were included.
        var attachments: [Attachment]?
        /// Absent in backups written before secrets were included.
        var secrets: [Secret]?
    }

    /// A named secret (the account key, say); the payload is sealed as a whole.
    struct Secret: Codable {
        var name: String
        var value: [UInt8]
    }

    /// An attachment record with its key (the payload is sealed as a whole).
    struct Attachment: Codable {
        var key: [UInt8]
        var metadata: AttachmentRecord.Metadata
    }

    static func seal(_ payload: Payload, passphrase: SecureBytes, limits: Argon2id.Limits, random: any RandomSource) throws
        -> [UInt8]
    {
        let salt = random.bytes(Argon2id.saltByteCount)
        let key = try Argon2id.deriveKey(passphrase: passphrase, salt: salt, limits: limits)
        let header = magic + [version] + salt + bigEndian(limits.operations) + bigEndian(limits.memoryBytes)
        let nonce = random.bytes(XChaCha20Poly1305.nonceByteCount)
        var json = try Array(JSONEncoder().encode(payload))
        defer { _ = SecureBytes(zeroingAfterCopy: &json) }
        let ciphertext = try json.withUnsafeBytes { pt in
            try nonce.withUnsafeBytes { n in
                try header.withUnsafeBytes { ad in try XChaCha20Poly1305.seal(pt, key: key, nonce: n, associatedData: ad) }
            }
        }
        return header + nonce + ciphertext
    }

    /// - Throws: ``StoreError/invalidBackup`` for a file in another format or a wrong passphrase.
    static func open(_ file: [UInt8], passphrase: SecureBytes) throws -> Payload {
        let saltEnd = magic.count + 1 + Argon2id.saltByteCount
        let headerEnd = saltEnd + 16
        let nonceEnd = headerEnd + XChaCha20Poly1305.nonceByteCount
        guard file.count >= nonceEnd + XChaCha20Poly1305.tagByteCount, Array(file[0..<magic.count]) == magic,
            file[magic.count] == version
        else { throw StoreError.invalidBackup }
        let salt = Array(file[(magic.count + 1)..<saltEnd])
        let operations = file[saltEnd..<(saltEnd + 8)].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        let memory = file[(saltEnd + 8)..<headerEnd].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        let limits = Argon2id.Limits(operations: operations, memoryBytes: memory)
        guard limits.isAccepted else { throw StoreError.invalidBackup }
        do {
            let key = try Argon2id.deriveKey(passphrase: passphrase, salt: salt, limits: limits)
            var json = try file.withUnsafeBytes { all in
                try XChaCha20Poly1305.open(
                    UnsafeRawBufferPointer(rebasing: all[nonceEnd...]), key: key,
                    nonce: UnsafeRawBufferPointer(rebasing: all[headerEnd..<nonceEnd]),
                    associatedData: UnsafeRawBufferPointer(rebasing: all[0..<headerEnd]))
            }
            defer { _ = SecureBytes(zeroingAfterCopy: &json) }
            return try JSONDecoder().decode(Payload.self, from: Data(json))
        } catch {
            throw StoreError.invalidBackup
        }
    }
}

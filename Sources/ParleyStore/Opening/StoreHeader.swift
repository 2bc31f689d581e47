import Foundation
import GRDB
import ParleyCrypto

/// The one unsealed row: how to turn the passphrase into the key-encryption key (salt and
/// Argon2id limits) and the store key wrapped under it.
///
///     KEK         = Argon2id(passphrase, salt, limits)
///     wrapped_key = nonce (24) || XChaCha20-Poly1305(KEK, store key, AD = "parley-store-key/v1" || salt || limits)
///     checksum    = BLAKE2b-256 of the other fields, `format` included (tells corruption from a
///                   wrong passphrase)
struct StoreHeader: Sendable {
    static let format: Int64 = 1
    private static let wrapInfo = Array("parley-store-key/v1".utf8)

    /// The header's format as stored (``format`` for a header written now).
    var storedFormat: Int64 = Self.format
    let salt: [UInt8]
    let limits: Argon2id.Limits
    let wrappedKey: [UInt8]

    /// Wraps `storeKey` under a key derived from `passphrase` with a fresh salt.
    static func wrapping(
        _ storeKey: SecureBytes, passphrase: SecureBytes, limits: Argon2id.Limits, random: any RandomSource
    ) throws -> StoreHeader {
        let salt = random.bytes(Argon2id.saltByteCount)
        let kek = try Argon2id.deriveKey(passphrase: passphrase, salt: salt, limits: limits)
        let nonce = random.bytes(XChaCha20Poly1305.nonceByteCount)
        let ad = associatedData(salt: salt, limits: limits)
        let ciphertext = try storeKey.withUnsafeBytes { key in
            try nonce.withUnsafeBytes { n in
                try ad.withUnsafeBytes { a in try XChaCha20Poly1305.seal(key, key: kek, nonce: n, associatedData: a) }
            }
        }
        return StoreHeader(salt: salt, limits: limits, wrappedKey: nonce + ciphertext)
    }

    /// Unwraps the store key with `passphrase`.
    ///
    /// - Throws: ``StoreError/wrongPassphrase`` when the passphrase does not open it.
    func unwrap(passphrase: SecureBytes) throws -> SecureBytes {
        let kek = try Argon2id.deriveKey(passphrase: passphrase, salt: salt, limits: limits)
        let nonceCount = XChaCha20Poly1305.nonceByteCount
        guard wrappedKey.count == nonceCount + 32 + XChaCha20Poly1305.tagByteCount else {
            throw StoreError.integrity(table: "store_header")
        }
        let ad = Self.associatedData(salt: salt, limits: limits)
        do {
            var key = try wrappedKey.withUnsafeBytes { all in
                try ad.withUnsafeBytes { a in
                    try XChaCha20Poly1305.open(
                        UnsafeRawBufferPointer(rebasing: all[nonceCount...]), key: kek,
                        nonce: UnsafeRawBufferPointer(rebasing: all[0..<nonceCount]), associatedData: a)
                }
            }
            return SecureBytes(zeroingAfterCopy: &key)
        } catch {
            throw StoreError.wrongPassphrase
        }
    }

    private static func associatedData(salt: [UInt8], limits: Argon2id.Limits) -> [UInt8] {
        wrapInfo + salt + bigEndian(limits.operations) + bigEndian(limits.memoryBytes)
    }

    private var checksum: [UInt8] {
        let fields =
            bigEndian(UInt64(bitPattern: storedFormat)) + salt + bigEndian(limits.operations) + bigEndian(limits.memoryBytes)
            + wrappedKey
        return (try? KeyedHash.hash(fields, key: SecureBytes(copying: Array("parley-store-header-checksum-v1!".utf8)))) ?? []
    }

    // MARK: Row

    func insert(into db: Database) throws {
        try db.execute(
            sql: """
                INSERT OR REPLACE INTO store_header (id, format, salt, ops_limit, mem_limit, wrapped_key, checksum)
                VALUES (1, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                Self.format, Data(salt), Int64(bitPattern: limits.operations), Int64(bitPattern: limits.memoryBytes),
                Data(wrappedKey), Data(checksum),
            ])
    }

    /// Reads the header row.
    ///
    /// - Throws: ``StoreError/notAStore`` without one; ``StoreError/newerSchema`` for an
    ///   unknown format; ``StoreError/integrity(table:)`` when the row is damaged.
    static func read(from db: Database) throws -> StoreHeader {
        guard try db.tableExists("store_header"),
            let row = try Row.fetchOne(db, sql: "SELECT * FROM store_header WHERE id = 1")
        else { throw StoreError.notAStore }
        guard let format = row["format"] as Int64? else { throw StoreError.integrity(table: "store_header") }
        guard format <= Self.format else { throw StoreError.newerSchema }
        // There never was a format below 1: such a row was written by someone else.
        guard format >= 1 else { throw StoreError.integrity(table: "store_header") }
        guard let salt = row["salt"] as Data?, let ops = row["ops_limit"] as Int64?, let mem = row["mem_limit"] as Int64?,
            let wrapped = row["wrapped_key"] as Data?, let checksum = row["checksum"] as Data?
        else { throw StoreError.integrity(table: "store_header") }
        let header = StoreHeader(
            storedFormat: format, salt: Array(salt),
            limits: Argon2id.Limits(operations: UInt64(bitPattern: ops), memoryBytes: UInt64(bitPattern: mem)),
            wrappedKey: Array(wrapped))
        guard header.salt.count == Argon2id.saltByteCount, header.limits.isAccepted,
            ConstantTime.equals(header.checksum, Array(checksum))
        else { throw StoreError.integrity(table: "store_header") }
        return header
    }
}

func bigEndian(_ value: UInt64) -> [UInt8] {
    (0..<8).map { UInt8(truncatingIfNeeded: value >> (56 - 8 * UInt64($0))) }
}

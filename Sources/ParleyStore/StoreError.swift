/// Why a store operation failed. Each case is one clear situation a caller can act on.
public enum StoreError: Error, Equatable, Sendable {
    /// The passphrase does not open this store (the key-encryption key did not unwrap the
    /// store key). Nothing is wrong with the data.
    case wrongPassphrase
    /// A row of `table` failed authentication or did not decode: tampered, swapped from another
    /// row or table, or corrupt. Never skipped silently.
    case integrity(table: String)
    /// The database was written by a newer Parley with a schema this build does not know.
    case newerSchema
    /// The file is not a Parley store (no header), or it already is one where a new store was
    /// to be created.
    case notAStore
    /// A store already exists at the path given to ``EncryptedStore/create(at:passphrase:identity:limits:random:)``.
    case alreadyExists
    /// The passphrase is empty, or the Argon2id limits are out of libsodium's range.
    case invalidPassphraseSettings
    /// A backup file is not in the format this build reads, or its passphrase is wrong.
    case invalidBackup
    /// No row with this key exists.
    case notFound
}

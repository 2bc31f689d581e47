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
    /// The file is missing or is not a Parley store (no header).
    case notAStore
    /// A store already exists at the path given to ``EncryptedStore/create(at:passphrase:identity:limits:random:)``.
    case alreadyExists
    /// The passphrase is empty, or the Argon2id limits are outside libsodium's range or above
    /// ``Argon2id/Limits/maximumAccepted``.
    case invalidPassphraseSettings
    /// A backup file is not in the format this build reads, asks for Argon2id limits above
    /// ``Argon2id/Limits/maximumAccepted``, or its passphrase is wrong.
    case invalidBackup
    /// An attachment key is not 32 bytes.
    case invalidAttachmentKey
    /// A secret's name is longer than 65,535 UTF-8 bytes.
    case invalidSecretName
    /// A backup was asked for while a secret moved from a schema version 1 store has not been
    /// read by name (``EncryptedStore/secret(_:)``) since: version 1 kept no secret names, and a
    /// secret without its name could not be restored. Nothing was written.
    case unnamedSecret
    /// A store or backup file could not be created or given owner-only permissions (0600).
    case fileAccess(String)
}

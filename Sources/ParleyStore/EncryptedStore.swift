import Foundation
import GRDB
import ParleyCrypto
import ParleyProtocol

/// A client's encrypted SQLite store: identity, prekeys, sessions, contacts, history, outbox,
/// processed envelope ids, attachment records and settings (Specs/store.md).
///
/// Every secret or revealing value is sealed under a subkey of a random store key, which is
/// itself wrapped under a key stretched from the passphrase with Argon2id. Lookup columns hold
/// keyed hashes. One writer, concurrent readers (SQLite WAL); every method is async and does
/// its database work off the caller's executor.
public final class EncryptedStore: Sendable {
    let pool: DatabasePool
    let keyring: StoreKeyring
    let identity: IdentityKeyPair
    let random: any RandomSource
    /// The database file.
    public let path: String

    private init(pool: DatabasePool, keyring: StoreKeyring, identity: IdentityKeyPair, random: any RandomSource, path: String) {
        self.pool = pool
        self.keyring = keyring
        self.identity = identity
        self.random = random
        self.path = path
    }

    /// Creates a new store at `path` holding `identity`.
    ///
    /// - Parameters:
    ///   - limits: Argon2id cost for the passphrase (stored in the header; tunable per store).
    /// - Throws: ``StoreError/alreadyExists`` if a store is there, ``StoreError/invalidPassphraseSettings``
    ///   for an empty passphrase or unsupported limits, or a database error.
    public static func create(
        at path: String,
        passphrase: SecureBytes,
        identity: IdentityKeyPair,
        limits: Argon2id.Limits = .moderate,
        random: any RandomSource = SystemRandomSource()
    ) async throws -> EncryptedStore {
        guard passphrase.count > 0, limits.isAcceptedForNewKeys else { throw StoreError.invalidPassphraseSettings }
        let pool = try await openPool(path)
        // A file with a header is a store; one without (an interrupted create) is taken over.
        let hasHeader = try await pool.read { db in
            try db.tableExists("store_header") && (try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM store_header") ?? 0) > 0
        }
        guard !hasHeader else { throw StoreError.alreadyExists }
        let storeKey = SecureBytes(randomCount: 32, from: random)
        let header = try await offExecutor {
            try StoreHeader.wrapping(storeKey, passphrase: passphrase, limits: limits, random: random)
        }
        let keyring = try StoreKeyring(storeKey: storeKey, random: random)
        try await offExecutor { try StoreSchema.migrator.migrate(pool) }
        try await pool.write { db in
            try header.insert(into: db)
            try SealedValueUpgrade.setStoredVersion(keyring.version, db)
            let sealed = try keyring.seal(identity.signingKey.seedRepresentation, for: .identity, rowKey: [1])
            try db.execute(sql: "INSERT INTO identity (id, sealed) VALUES (1, ?)", arguments: [Data(sealed)])
        }
        return EncryptedStore(pool: pool, keyring: keyring, identity: identity, random: random, path: path)
    }

    /// Opens the store at `path`. A store whose values were sealed under an older schema version
    /// is brought up to the current one first, in one transaction (Specs/store.md §9.3).
    ///
    /// - Throws: ``StoreError/wrongPassphrase`` when the passphrase does not open it,
    ///   ``StoreError/notAStore``, ``StoreError/newerSchema``, ``StoreError/integrity(table:)``.
    public static func open(
        at path: String,
        passphrase: SecureBytes,
        random: any RandomSource = SystemRandomSource()
    ) async throws -> EncryptedStore {
        try await open(
            at: path, passphrase: passphrase, random: random, version: StoreSchema.currentVersion,
            upgradeSteps: SealedValueUpgrade.steps)
    }

    /// ``open(at:passphrase:random:)`` for a given current schema `version` and upgrade steps
    /// (tests use later versions than this build's).
    static func open(
        at path: String, passphrase: SecureBytes, random: any RandomSource, version: UInt32,
        upgradeSteps: [UInt32: SealedValueUpgrade.Step]
    ) async throws -> EncryptedStore {
        guard FileManager.default.fileExists(atPath: path) else { throw StoreError.notAStore }
        let pool: DatabasePool
        do {
            pool = try await openPool(path)
        } catch {
            throw StoreError.notAStore
        }
        let header = try await pool.read { db -> StoreHeader in
            let header = try StoreHeader.read(from: db)
            if try StoreSchema.migrator.hasBeenSuperseded(db) { throw StoreError.newerSchema }
            return header
        }
        let storeKey = try await offExecutor { try header.unwrap(passphrase: passphrase) }
        let keyring = try StoreKeyring(storeKey: storeKey, random: random, version: version)
        try await offExecutor { try StoreSchema.migrator.migrate(pool) }
        let stored = try await pool.read { db in try SealedValueUpgrade.storedVersion(db) }
        guard stored <= version else { throw StoreError.newerSchema }
        if stored < version {
            try await pool.write { db in
                // Read again inside the transaction: another process may have upgraded meanwhile.
                let current = try SealedValueUpgrade.storedVersion(db)
                guard current <= version else { throw StoreError.newerSchema }
                try SealedValueUpgrade.upgrade(db, from: current, keyring: keyring, steps: upgradeSteps)
            }
        }
        let identity = try await pool.read { db -> IdentityKeyPair in
            guard let sealed = try Data.fetchOne(db, sql: "SELECT sealed FROM identity WHERE id = 1") else {
                throw StoreError.integrity(table: "identity")
            }
            let seed = try keyring.open(Array(sealed), for: .identity, rowKey: [1])
            do { return try IdentityKeyPair(seed: seed) } catch { throw StoreError.integrity(table: "identity") }
        }
        return EncryptedStore(pool: pool, keyring: keyring, identity: identity, random: random, path: path)
    }

    /// Re-wraps the store key under `newPassphrase` (fresh salt; `limits`, or else the current
    /// ones raised to ``Argon2id/Limits/floor`` when they are below it). Nothing else is
    /// re-encrypted.
    ///
    /// - Throws: ``StoreError/wrongPassphrase`` when `currentPassphrase` is wrong;
    ///   ``StoreError/invalidPassphraseSettings`` for an empty passphrase or `limits` below the
    ///   floor (``Argon2id/Limits/isAcceptedForNewKeys``).
    public func changePassphrase(
        from currentPassphrase: SecureBytes, to newPassphrase: SecureBytes, limits: Argon2id.Limits? = nil
    ) async throws {
        guard newPassphrase.count > 0, limits?.isAcceptedForNewKeys ?? true else { throw StoreError.invalidPassphraseSettings }
        let header = try await pool.read { db in try StoreHeader.read(from: db) }
        let random = self.random
        let newHeader = try await offExecutor { () throws -> StoreHeader in
            let storeKey = try header.unwrap(passphrase: currentPassphrase)
            let current = header.limits.isAcceptedForNewKeys ? header.limits : Argon2id.Limits.floor
            return try StoreHeader.wrapping(storeKey, passphrase: newPassphrase, limits: limits ?? current, random: random)
        }
        try await pool.write { db in try newHeader.insert(into: db) }
        // Push the change out of the WAL so that the old wrapped key (which the old passphrase
        // opens) does not linger there; secure_delete then overwrites it in the main file.
        // Best effort: the new header is already committed, so a checkpoint that finds a reader
        // busy must not report the change as failed; SQLite's own checkpoints follow later.
        try? await pool.writeWithoutTransaction { db in _ = try db.checkpoint(.truncate) }
    }

    /// The Argon2id limits this store's passphrase uses.
    public func passphraseLimits() async throws -> Argon2id.Limits {
        try await pool.read { db in try StoreHeader.read(from: db).limits }
    }

    /// Closes the database (further calls fail).
    public func close() throws {
        try pool.close()
    }

    /// How long a change waits for another process's write transaction to end.
    static let writeLockTimeoutSeconds: TimeInterval = 30

    /// Opens the database off the caller's executor, in WAL mode with full durability.
    private static func openPool(_ path: String) async throws -> DatabasePool {
        try await offExecutor {
            var configuration = Configuration()
            configuration.foreignKeysEnabled = true
            configuration.label = "ParleyStore"
            // Several processes may open one store (a CLI beside a running listener): every change
            // is one IMMEDIATE transaction, and a writer waits for another's to end instead of
            // failing at once.
            configuration.busyMode = .timeout(EncryptedStore.writeLockTimeoutSeconds)
            configuration.prepareDatabase { db in
                // Freed pages of the main file are zeroed, so deleted sealed values do not linger
                // there once a checkpoint has moved the change out of the WAL.
                try db.execute(sql: "PRAGMA secure_delete = ON")
            }
            try StoreFilePermissions.restrict(databaseAt: path)
            let pool = try DatabasePool(path: path, configuration: configuration)
            // GRDB sets synchronous = NORMAL for WAL, which can roll back the last commits on a
            // power cut or OS crash; after a message was sent or an envelope acknowledged that
            // would mean a reused message key or a lost message. FULL syncs every commit.
            try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
            return pool
        }
    }

    /// The writer connection's `PRAGMA synchronous` (2 = FULL), for tests.
    func synchronousMode() async throws -> Int {
        try await pool.writeWithoutTransaction { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") ?? -1 }
    }
}

/// Runs CPU-heavy work (Argon2id) on a background thread rather than the caller's executor.
func offExecutor<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global(qos: .userInitiated).async {
            continuation.resume(with: Result { try work() })
        }
    }
}

import Foundation
import GRDB
import ParleyCrypto

/// Brings the sealed values of a store written under an older schema version up to the current
/// one (Specs/store.md §9.3): every sealed value is opened under the version it was written
/// with, changed by that version's step, and sealed again under the next version, table by
/// table, until the current version is reached. All of it in the caller's transaction, so a store
/// is either wholly at its old version or wholly at the new one.
///
/// Migrations cannot do this themselves: they run without the store key. This runs on open,
/// after the passphrase has unwrapped the key and the migrations have run.
struct SealedValueUpgrade {
    /// How a value's plaintext changes from one version to the next (for the value's table); a
    /// step that throws fails the whole upgrade and changes nothing.
    typealias Step = @Sendable (StorePurpose, SecureBytes) throws -> SecureBytes

    /// The steps of this build, by the version they start from. None so far: a version without
    /// a step keeps every plaintext as it is (only the associated data changes).
    static let steps: [UInt32: Step] = [:]

    /// What moves rows between tables from one version to the next; it runs after every value
    /// was re-sealed under the next version, with a keyring of that version, in the same
    /// transaction. A step that throws fails the whole upgrade and changes nothing.
    typealias TableStep = @Sendable (Database, StoreKeyring) throws -> Void

    /// The table steps of this build, by the version they start from: 1 -> 2 moves secrets out
    /// of `settings` into their own table.
    static let tableSteps: [UInt32: TableStep] = [1: SecretsTableUpgrade.moveSecretsOutOfSettings]

    /// A table whose rows hold a sealed value, and how a row's key column gives the row key
    /// bound into that value's associated data.
    struct SealedTable: Sendable {
        let purpose: StorePurpose
        let keyColumn: String
        let rowKey: @Sendable (DatabaseValue) -> [UInt8]?
    }

    /// Every table with a `sealed` column (a test checks this against the schema).
    static let sealedTables: [SealedTable] = [
        SealedTable(purpose: .identity, keyColumn: "id") { _ in [1] },
        hashKeyed(.signedPreKeys, "key_hash"),
        hashKeyed(.oneTimePreKeys, "key_hash"),
        hashKeyed(.sessions, "peer_hash"),
        hashKeyed(.contacts, "user_hash"),
        hashKeyed(.conversations, "conversation_hash"),
        idKeyed(.messages),
        idKeyed(.outbox),
        hashKeyed(.attachments, "attachment_hash"),
        hashKeyed(.settings, "setting_hash"),
        hashKeyed(.secrets, "secret_hash"),
        hashKeyed(.pqPreKeys, "key_hash"),
    ]

    /// The version the store's sealed values were written under.
    /// - Throws: ``StoreError/integrity(table:)`` when the row is missing or not a version.
    static func storedVersion(_ db: Database) throws -> UInt32 {
        let stored = try DatabaseValue.fetchOne(db, sql: "SELECT version FROM sealed_version WHERE id = 1")
        guard case .int64(let number) = stored?.storage, let version = UInt32(exactly: number), version >= 1 else {
            throw StoreError.integrity(table: "sealed_version")
        }
        return version
    }

    /// Records the version the sealed values are written under now.
    static func setStoredVersion(_ version: UInt32, _ db: Database) throws {
        try db.execute(sql: "UPDATE sealed_version SET version = ? WHERE id = 1", arguments: [Int64(version)])
    }

    /// Re-seals every sealed value from `stored` up to `keyring`'s version, one version at a
    /// time, then records the new version. Inside the caller's write transaction.
    /// - Throws: ``StoreError/integrity(table:)`` for a value that does not open under the
    ///   version it should have been written with; what a step throws.
    static func upgrade(
        _ db: Database, from stored: UInt32, keyring: StoreKeyring, steps: [UInt32: Step],
        tableSteps: [UInt32: TableStep] = tableSteps
    ) throws {
        var version = stored
        while version < keyring.version {
            let old = keyring.atVersion(version)
            let new = keyring.atVersion(version + 1)
            for table in sealedTables {
                try reseal(table, db, from: old, to: new, step: steps[version])
            }
            try tableSteps[version]?(db, new)
            version += 1
        }
        try setStoredVersion(version, db)
    }

    private static func reseal(
        _ table: SealedTable, _ db: Database, from old: StoreKeyring, to new: StoreKeyring, step: Step?
    ) throws {
        let name = table.purpose.table
        let rows = try Row.fetchAll(db, sql: "SELECT \(table.keyColumn) AS row_key, sealed FROM \(name)")
        for row in rows {
            let key: DatabaseValue = row["row_key"]
            guard let rowKey = table.rowKey(key), let sealed = row["sealed"] as Data? else {
                throw StoreError.integrity(table: name)
            }
            var plaintext = try old.open(Array(sealed), for: table.purpose, rowKey: rowKey)
            if let step { plaintext = try step(table.purpose, plaintext) }
            let resealed = try new.seal(plaintext, for: table.purpose, rowKey: rowKey)
            try db.execute(
                sql: "UPDATE \(name) SET sealed = ? WHERE \(table.keyColumn) = ?", arguments: [Data(resealed), key])
        }
    }

    private static func hashKeyed(_ purpose: StorePurpose, _ column: String) -> SealedTable {
        SealedTable(purpose: purpose, keyColumn: column) { value in
            (Data.fromDatabaseValue(value)).map(Array.init)
        }
    }

    private static func idKeyed(_ purpose: StorePurpose) -> SealedTable {
        SealedTable(purpose: purpose, keyColumn: "id") { value in
            Int64.fromDatabaseValue(value).map(EncryptedStore.rowKey)
        }
    }
}

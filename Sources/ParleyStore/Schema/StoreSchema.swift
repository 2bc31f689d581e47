import GRDB

/// The store's tables, as versioned GRDB migrations. Rows hold only sealed values, keyed
/// lookup hashes and row ids; nothing secret or revealing is stored in the clear.
enum StoreSchema {
    /// The schema version bound into every sealed value's associated data.
    /// Version 2 moved secrets out of `settings` into `secrets` (``SecretsTableUpgrade``).
    static let currentVersion: UInt32 = 2

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE store_header (
                        id INTEGER PRIMARY KEY CHECK (id = 1),
                        format INTEGER NOT NULL,
                        salt BLOB NOT NULL,
                        ops_limit INTEGER NOT NULL,
                        mem_limit INTEGER NOT NULL,
                        wrapped_key BLOB NOT NULL,
                        checksum BLOB NOT NULL
                    );
                    CREATE TABLE identity (id INTEGER PRIMARY KEY CHECK (id = 1), sealed BLOB NOT NULL);
                    CREATE TABLE signed_prekeys (key_hash BLOB PRIMARY KEY, sealed BLOB NOT NULL);
                    CREATE TABLE one_time_prekeys (key_hash BLOB PRIMARY KEY, sealed BLOB NOT NULL);
                    CREATE TABLE sessions (peer_hash BLOB PRIMARY KEY, sealed BLOB NOT NULL);
                    CREATE TABLE contacts (user_hash BLOB PRIMARY KEY, sealed BLOB NOT NULL);
                    CREATE TABLE conversations (conversation_hash BLOB PRIMARY KEY, sealed BLOB NOT NULL);
                    CREATE TABLE messages (
                        id INTEGER PRIMARY KEY,
                        conversation_hash BLOB NOT NULL,
                        sealed BLOB NOT NULL
                    );
                    CREATE INDEX messages_by_conversation ON messages (conversation_hash, id);
                    CREATE TABLE outbox (id INTEGER PRIMARY KEY, sealed BLOB NOT NULL);
                    CREATE TABLE processed_envelopes (envelope_hash BLOB PRIMARY KEY);
                    CREATE TABLE attachments (attachment_hash BLOB PRIMARY KEY, sealed BLOB NOT NULL);
                    CREATE TABLE settings (setting_hash BLOB PRIMARY KEY, sealed BLOB NOT NULL);
                    """)
        }
        // The schema version the sealed values were written under (Specs/store.md §9.3): stores
        // from before this migration hold version 1 values.
        migrator.registerMigration("v2") { db in
            try db.execute(
                sql: """
                    CREATE TABLE sealed_version (id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL);
                    INSERT INTO sealed_version (id, version) VALUES (1, 1);
                    """)
        }
        // Secrets in their own table (Specs/store.md §9.4); the rows of version 1 secrets are
        // moved here from `settings` by the sealed-value upgrade to version 2, which has the key.
        migrator.registerMigration("v3") { db in
            try db.execute(sql: "CREATE TABLE secrets (secret_hash BLOB PRIMARY KEY, sealed BLOB NOT NULL)")
        }
        // Parley-v2: PQ prekeys (sealed like every private key) and the last-resort uses, each
        // use row naming its key's row so that deleting the key deletes its uses.
        migrator.registerMigration("v4") { db in
            try db.execute(
                sql: """
                    CREATE TABLE pq_prekeys (key_hash BLOB PRIMARY KEY, sealed BLOB NOT NULL);
                    CREATE TABLE pq_last_resort_uses (use_hash BLOB PRIMARY KEY, key_hash BLOB NOT NULL);
                    CREATE INDEX pq_last_resort_uses_by_key ON pq_last_resort_uses (key_hash);
                    """)
        }
        return migrator
    }
}

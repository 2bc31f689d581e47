import GRDB

/// The SQLite schema of ``SQLiteKeyServerStorage``, as GRDB migrations (append only).
enum SQLiteSchema {
    static func migrator() -> DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE accounts (
                        user TEXT PRIMARY KEY NOT NULL,
                        account_key BLOB NOT NULL
                    );
                    CREATE TABLE devices (
                        user TEXT NOT NULL REFERENCES accounts(user) ON DELETE CASCADE,
                        id INTEGER NOT NULL,
                        identity_key BLOB NOT NULL,
                        certificate BLOB NOT NULL,
                        signed_prekey BLOB,
                        signed_prekey_signature BLOB,
                        PRIMARY KEY (user, id)
                    );
                    CREATE TABLE one_time_prekeys (
                        seq INTEGER PRIMARY KEY AUTOINCREMENT,
                        user TEXT NOT NULL,
                        device INTEGER NOT NULL,
                        key BLOB NOT NULL,
                        UNIQUE (user, device, key),
                        FOREIGN KEY (user, device) REFERENCES devices(user, id) ON DELETE CASCADE
                    );
                    CREATE INDEX one_time_prekeys_device ON one_time_prekeys(user, device, seq);
                    CREATE TABLE messages (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        user TEXT NOT NULL,
                        device INTEGER NOT NULL,
                        sender_user TEXT NOT NULL,
                        sender_device INTEGER NOT NULL,
                        timestamp INTEGER NOT NULL,
                        body BLOB NOT NULL,
                        FOREIGN KEY (user, device) REFERENCES devices(user, id) ON DELETE CASCADE
                    );
                    CREATE INDEX messages_recipient ON messages(user, device, id);
                    CREATE INDEX messages_timestamp ON messages(timestamp);
                    CREATE TABLE seen_signatures (
                        signature BLOB PRIMARY KEY NOT NULL,
                        expires_at INTEGER NOT NULL
                    ) WITHOUT ROWID;
                    CREATE INDEX seen_signatures_expiry ON seen_signatures(expires_at);
                    """)
        }
        // Request signatures moved to the in-memory, journaled replay cache (SQLiteProcessState).
        migrator.registerMigration("v2") { db in
            try db.execute(sql: "DROP TABLE seen_signatures")
        }
        // Mailbox depth kept on the device row by triggers, so that a send reads one number
        // instead of counting up to 10,000 rows (Specs/server-api.md §4: mailbox limit).
        migrator.registerMigration("v3") { db in
            try db.execute(
                sql: """
                    ALTER TABLE devices ADD COLUMN pending INTEGER NOT NULL DEFAULT 0;
                    UPDATE devices SET pending =
                        (SELECT COUNT(*) FROM messages WHERE messages.user = devices.user AND messages.device = devices.id);
                    CREATE TRIGGER messages_pending_insert AFTER INSERT ON messages BEGIN
                        UPDATE devices SET pending = pending + 1 WHERE user = NEW.user AND id = NEW.device;
                    END;
                    CREATE TRIGGER messages_pending_delete AFTER DELETE ON messages BEGIN
                        UPDATE devices SET pending = pending - 1 WHERE user = OLD.user AND id = OLD.device;
                    END;
                    """)
        }
        return migrator
    }
}

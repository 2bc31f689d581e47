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
        // Each sender device's share of each mailbox, kept by triggers like the depth above, so
        // that a send reads one number for the per-sender quota (Specs/server-api.md §4). A row
        // lives while the sender has messages there; it goes with the recipient device.
        migrator.registerMigration("v4") { db in
            try db.execute(
                sql: """
                    CREATE TABLE mailbox_senders (
                        user TEXT NOT NULL,
                        device INTEGER NOT NULL,
                        sender_user TEXT NOT NULL,
                        sender_device INTEGER NOT NULL,
                        pending INTEGER NOT NULL,
                        PRIMARY KEY (user, device, sender_user, sender_device),
                        FOREIGN KEY (user, device) REFERENCES devices(user, id) ON DELETE CASCADE
                    ) WITHOUT ROWID;
                    INSERT INTO mailbox_senders (user, device, sender_user, sender_device, pending)
                        SELECT user, device, sender_user, sender_device, COUNT(*) FROM messages
                        GROUP BY user, device, sender_user, sender_device;
                    CREATE TRIGGER messages_sender_insert AFTER INSERT ON messages BEGIN
                        INSERT INTO mailbox_senders (user, device, sender_user, sender_device, pending)
                            VALUES (NEW.user, NEW.device, NEW.sender_user, NEW.sender_device, 1)
                            ON CONFLICT DO UPDATE SET pending = pending + 1;
                    END;
                    CREATE TRIGGER messages_sender_delete AFTER DELETE ON messages BEGIN
                        UPDATE mailbox_senders SET pending = pending - 1
                            WHERE user = OLD.user AND device = OLD.device
                                AND sender_user = OLD.sender_user AND sender_device = OLD.sender_device;
                        DELETE FROM mailbox_senders
                            WHERE user = OLD.user AND device = OLD.device
                                AND sender_user = OLD.sender_user AND sender_device = OLD.sender_device AND pending <= 0;
                    END;
                    """)
        }
        // Removed devices' identity keys (never added to their user again) and each account's
        // newest signed device list (Specs/server-api.md §5.2).
        migrator.registerMigration("v5") { db in
            try db.execute(
                sql: """
                    CREATE TABLE removed_devices (
                        user TEXT NOT NULL,
                        identity_key BLOB NOT NULL,
                        PRIMARY KEY (user, identity_key)
                    ) WITHOUT ROWID;
                    CREATE TABLE device_lists (
                        user TEXT PRIMARY KEY NOT NULL REFERENCES accounts(user) ON DELETE CASCADE,
                        version INTEGER NOT NULL,
                        devices BLOB NOT NULL,
                        signature BLOB NOT NULL
                    );
                    """)
        }
        // Parley-v2 PQ prekeys (Specs/server-api.md §5.3): the last-resort one on the device row,
        // one-time ones in their own table (going with the device, like one-time prekeys), and
        // upload times for the ages `GET /v1/keys/count` reports (NULL for keys uploaded before).
        migrator.registerMigration("v6") { db in
            try db.execute(
                sql: """
                    ALTER TABLE devices ADD COLUMN signed_prekey_at INTEGER;
                    ALTER TABLE devices ADD COLUMN pq_last_resort_key BLOB;
                    ALTER TABLE devices ADD COLUMN pq_last_resort_signature BLOB;
                    ALTER TABLE devices ADD COLUMN pq_last_resort_at INTEGER;
                    CREATE TABLE pq_one_time_prekeys (
                        seq INTEGER PRIMARY KEY AUTOINCREMENT,
                        user TEXT NOT NULL,
                        device INTEGER NOT NULL,
                        key BLOB NOT NULL,
                        signature BLOB NOT NULL,
                        UNIQUE (user, device, key),
                        FOREIGN KEY (user, device) REFERENCES devices(user, id) ON DELETE CASCADE
                    );
                    CREATE INDEX pq_one_time_prekeys_device ON pq_one_time_prekeys(user, device, seq);
                    """)
        }
        return migrator
    }
}

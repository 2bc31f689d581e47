import PostgresNIO

/// The PostgreSQL schema of ``PostgresKeyServerStorage``: the same tables as ``SQLiteSchema``
/// (`user` is reserved in PostgreSQL, hence `user_id`). Created on start, idempotently; several
/// server processes starting at once serialise on an advisory lock.
enum PostgresSchema {
    /// Schema version recorded in `parley_schema`; later versions add statements, never edit these.
    static let version: Int64 = 4

    /// Arbitrary constant naming the advisory lock held while the schema is created.
    static let advisoryLock: Int64 = 0x5061_726C_6579_0001

    static let statements: [PostgresQuery] = [
        """
        CREATE TABLE IF NOT EXISTS parley_schema (version BIGINT PRIMARY KEY)
        """,
        """
        CREATE TABLE IF NOT EXISTS accounts (
            user_id TEXT PRIMARY KEY,
            account_key BYTEA NOT NULL
        )
        """,
        """
        CREATE TABLE IF NOT EXISTS devices (
            user_id TEXT NOT NULL REFERENCES accounts(user_id) ON DELETE CASCADE,
            id BIGINT NOT NULL,
            identity_key BYTEA NOT NULL,
            certificate BYTEA NOT NULL,
            signed_prekey BYTEA,
            signed_prekey_signature BYTEA,
            PRIMARY KEY (user_id, id)
        )
        """,
        """
        CREATE TABLE IF NOT EXISTS one_time_prekeys (
            seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            user_id TEXT NOT NULL,
            device BIGINT NOT NULL,
            key BYTEA NOT NULL,
            UNIQUE (user_id, device, key),
            FOREIGN KEY (user_id, device) REFERENCES devices(user_id, id) ON DELETE CASCADE
        )
        """,
        "CREATE INDEX IF NOT EXISTS one_time_prekeys_device ON one_time_prekeys(user_id, device, seq)",
        """
        CREATE TABLE IF NOT EXISTS messages (
            id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            user_id TEXT NOT NULL,
            device BIGINT NOT NULL,
            sender_user TEXT NOT NULL,
            sender_device BIGINT NOT NULL,
            timestamp BIGINT NOT NULL,
            body BYTEA NOT NULL,
            FOREIGN KEY (user_id, device) REFERENCES devices(user_id, id) ON DELETE CASCADE
        )
        """,
        "CREATE INDEX IF NOT EXISTS messages_recipient ON messages(user_id, device, id)",
        "CREATE INDEX IF NOT EXISTS messages_timestamp ON messages(timestamp)",
        """
        CREATE TABLE IF NOT EXISTS seen_signatures (
            signature BYTEA PRIMARY KEY,
            expires_at BIGINT NOT NULL
        )
        """,
        "CREATE INDEX IF NOT EXISTS seen_signatures_expiry ON seen_signatures(expires_at)",
        // Version 2: a send counts the sender device's messages in each recipient mailbox
        // (Specs/server-api.md §4: per-sender quota).
        "CREATE INDEX IF NOT EXISTS messages_sender ON messages(user_id, device, sender_user, sender_device)",
        // Version 3: removed devices' identity keys (never added to their user again) and each
        // account's newest signed device list (Specs/server-api.md §5.2).
        """
        CREATE TABLE IF NOT EXISTS removed_devices (
            user_id TEXT NOT NULL,
            identity_key BYTEA NOT NULL,
            PRIMARY KEY (user_id, identity_key)
        )
        """,
        """
        CREATE TABLE IF NOT EXISTS device_lists (
            user_id TEXT PRIMARY KEY REFERENCES accounts(user_id) ON DELETE CASCADE,
            version BIGINT NOT NULL,
            devices BYTEA NOT NULL,
            signature BYTEA NOT NULL
        )
        """,
        // Version 4: Parley-v2 PQ prekeys (Specs/server-api.md §5.3): the last-resort one on the
        // device row, one-time ones in their own table (going with the device), and upload times
        // for the ages `GET /v1/keys/count` reports (NULL for keys uploaded before).
        "ALTER TABLE devices ADD COLUMN IF NOT EXISTS signed_prekey_at BIGINT",
        "ALTER TABLE devices ADD COLUMN IF NOT EXISTS pq_last_resort_key BYTEA",
        "ALTER TABLE devices ADD COLUMN IF NOT EXISTS pq_last_resort_signature BYTEA",
        "ALTER TABLE devices ADD COLUMN IF NOT EXISTS pq_last_resort_at BIGINT",
        """
        CREATE TABLE IF NOT EXISTS pq_one_time_prekeys (
            seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            user_id TEXT NOT NULL,
            device BIGINT NOT NULL,
            key BYTEA NOT NULL,
            signature BYTEA NOT NULL,
            UNIQUE (user_id, device, key),
            FOREIGN KEY (user_id, device) REFERENCES devices(user_id, id) ON DELETE CASCADE
        )
        """,
        "CREATE INDEX IF NOT EXISTS pq_one_time_prekeys_device ON pq_one_time_prekeys(user_id, device, seq)",
        "INSERT INTO parley_schema (version) VALUES (\(version)) ON CONFLICT DO NOTHING",
    ]
}

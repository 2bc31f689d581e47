import Foundation
import GRDB
import ParleyCrypto
import ParleyProtocol

/// The crypto core's store protocols over sealed rows.
extension EncryptedStore: ProtocolStore {
    public func identityKeyPair() async throws -> IdentityKeyPair { identity }

    public func signedPreKey(for publicKey: X25519.PublicKey) async throws -> SignedPreKey? {
        try await pool.read { db in try self.signedPreKey(for: publicKey, db) }
    }

    public func saveSignedPreKey(_ preKey: SignedPreKey) async throws {
        let (keyHash, sealed) = try sealedRow(preKey)
        try await pool.write { db in
            try db.execute(
                sql: "INSERT OR REPLACE INTO signed_prekeys (key_hash, sealed) VALUES (?, ?)", arguments: [keyHash, sealed])
        }
    }

    /// The `signed_prekeys` row of `preKey`: its lookup hash and the sealed
    /// `private key (32) || signature (64)`.
    func sealedRow(_ preKey: SignedPreKey) throws -> (keyHash: Data, sealed: Data) {
        let keyHash = keyring.lookupHash(preKey.keyPair.publicKey.rawRepresentation, for: .signedPreKeys)
        let plaintext = SecureBytes.concatenating([preKey.keyPair.rawRepresentation, SecureBytes(copying: preKey.signature)])
        return (Data(keyHash), Data(try keyring.seal(plaintext, for: .signedPreKeys, rowKey: keyHash)))
    }

    /// Deletes a retired signed prekey (after the grace period for late first messages).
    public func removeSignedPreKey(_ publicKey: X25519.PublicKey) async throws {
        let keyHash = keyring.lookupHash(publicKey.rawRepresentation, for: .signedPreKeys)
        try await pool.write { db in
            try db.execute(sql: "DELETE FROM signed_prekeys WHERE key_hash = ?", arguments: [Data(keyHash)])
        }
    }

    public func oneTimePreKey(for publicKey: X25519.PublicKey) async throws -> OneTimePreKey? {
        try await pool.read { db in try self.oneTimePreKey(for: publicKey, db) }
    }

    public func saveOneTimePreKeys(_ preKeys: [OneTimePreKey]) async throws {
        let rows = try preKeys.map { preKey -> (Data, Data) in
            let keyHash = keyring.lookupHash(preKey.keyPair.publicKey.rawRepresentation, for: .oneTimePreKeys)
            return (
                Data(keyHash), Data(try keyring.seal(preKey.keyPair.rawRepresentation, for: .oneTimePreKeys, rowKey: keyHash))
            )
        }
        try await pool.write { db in
            for (keyHash, sealed) in rows {
                try db.execute(
                    sql: "INSERT OR REPLACE INTO one_time_prekeys (key_hash, sealed) VALUES (?, ?)", arguments: [keyHash, sealed])
            }
        }
    }

    /// How many one-time prekeys the store still holds.
    public func oneTimePreKeyCount() async throws -> Int {
        try await pool.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM one_time_prekeys") ?? 0 }
    }

    public func sessionRecord(for address: PeerAddress) async throws -> SessionRecord? {
        try await pool.read { db in try self.sessionRecord(for: address, db) }
    }

    /// One write transaction (SQLite `BEGIN IMMEDIATE`: it holds the database's write lock from
    /// its first read, across processes) reads the state, runs `body` and applies its change.
    public func update<Result: Sendable>(
        _ body: @escaping @Sendable (any ProtocolStoreTransaction) throws -> (change: SessionChange?, result: Result)
    ) async throws -> Result {
        try await pool.write { db in
            let (change, result) = try body(TransactionView(store: self, db: db))
            if let change { try self.apply(change, db) }
            return result
        }
    }

    /// The protocol state read through the open transaction's connection.
    private struct TransactionView: ProtocolStoreTransaction {
        let store: EncryptedStore
        let db: Database

        func identityKeyPair() -> IdentityKeyPair { store.identity }
        func sessionRecord(for address: PeerAddress) throws -> SessionRecord? { try store.sessionRecord(for: address, db) }
        func signedPreKey(for publicKey: X25519.PublicKey) throws -> SignedPreKey? { try store.signedPreKey(for: publicKey, db) }
        func oneTimePreKey(for publicKey: X25519.PublicKey) throws -> OneTimePreKey? {
            try store.oneTimePreKey(for: publicKey, db)
        }
        func pqPreKey(for id: PQPreKeyID) throws -> PQPreKey? { try store.pqPreKey(for: id, db) }
        func isLastResortUseRecorded(_ id: PQPreKeyID, baseKey: X25519.PublicKey) throws -> Bool {
            try store.isLastResortUseRecorded(id, baseKey: baseKey, db)
        }
    }

    // MARK: Inside a transaction

    func signedPreKey(for publicKey: X25519.PublicKey, _ db: Database) throws -> SignedPreKey? {
        let keyHash = keyring.lookupHash(publicKey.rawRepresentation, for: .signedPreKeys)
        guard
            let sealed = try Data.fetchOne(
                db, sql: "SELECT sealed FROM signed_prekeys WHERE key_hash = ?", arguments: [Data(keyHash)])
        else { return nil }
        let plaintext = try keyring.open(Array(sealed), for: .signedPreKeys, rowKey: keyHash)
        guard plaintext.count == 32 + Ed25519.signatureByteCount,
            let keyPair = try? X25519.PrivateKey(rawRepresentation: plaintext.slice(0..<32)),
            keyPair.publicKey == publicKey
        else { throw StoreError.integrity(table: "signed_prekeys") }
        return SignedPreKey(keyPair: keyPair, signature: plaintext.slice(32..<plaintext.count).unprotectedBytes())
    }

    func oneTimePreKey(for publicKey: X25519.PublicKey, _ db: Database) throws -> OneTimePreKey? {
        let keyHash = keyring.lookupHash(publicKey.rawRepresentation, for: .oneTimePreKeys)
        guard
            let sealed = try Data.fetchOne(
                db, sql: "SELECT sealed FROM one_time_prekeys WHERE key_hash = ?", arguments: [Data(keyHash)])
        else { return nil }
        let secret = try keyring.open(Array(sealed), for: .oneTimePreKeys, rowKey: keyHash)
        guard let keyPair = try? X25519.PrivateKey(rawRepresentation: secret), keyPair.publicKey == publicKey else {
            throw StoreError.integrity(table: "one_time_prekeys")
        }
        return OneTimePreKey(keyPair: keyPair)
    }

    func sessionRecord(for address: PeerAddress, _ db: Database) throws -> SessionRecord? {
        let peerHash = keyring.lookupHash(Self.peerKey(address), for: .sessions)
        guard
            let sealed = try Data.fetchOne(
                db, sql: "SELECT sealed FROM sessions WHERE peer_hash = ?", arguments: [Data(peerHash)])
        else { return nil }
        let bytes = try keyring.open(Array(sealed), for: .sessions, rowKey: peerHash)
        do { return try SessionRecord(serialized: bytes) } catch { throw StoreError.integrity(table: "sessions") }
    }

    /// Stores the record, deletes the consumed one-time prekey and applies the PQ prekey use
    /// (inside the caller's transaction).
    func apply(_ change: SessionChange, _ db: Database) throws {
        let peerHash = keyring.lookupHash(Self.peerKey(change.address), for: .sessions)
        let sealed = try keyring.seal(change.record.serialized, for: .sessions, rowKey: peerHash)
        try db.execute(
            sql: "INSERT OR REPLACE INTO sessions (peer_hash, sealed) VALUES (?, ?)", arguments: [Data(peerHash), Data(sealed)])
        if let used = change.consumedOneTimePreKey {
            let keyHash = keyring.lookupHash(used.rawRepresentation, for: .oneTimePreKeys)
            try db.execute(sql: "DELETE FROM one_time_prekeys WHERE key_hash = ?", arguments: [Data(keyHash)])
        }
        if let use = change.consumedPQPreKey { try apply(use, db) }
    }
}

import Foundation
import GRDB
import ParleyCrypto
import ParleyProtocol

/// Parley-v2 PQ prekeys over sealed rows: the 64-byte seed is sealed like every other private
/// key; last-resort uses are lookup hashes of (PQID, EK_A), which reveal nothing.
///
/// Sealed plaintext of a `pq_prekeys` row: `seed (64) || kind (1: 0x01 one-time, 0x02 last
/// resort) || signature (64) || public key (1568)`.
extension EncryptedStore {
    public func pqPreKey(for id: PQPreKeyID) async throws -> PQPreKey? {
        try await pool.read { db in try self.pqPreKey(for: id, db) }
    }

    public func savePQPreKeys(_ preKeys: [PQPreKey]) async throws {
        let rows = try preKeys.map(sealedRow)
        try await pool.write { db in
            for (keyHash, sealed) in rows {
                try db.execute(
                    sql: "INSERT OR REPLACE INTO pq_prekeys (key_hash, sealed) VALUES (?, ?)", arguments: [keyHash, sealed])
            }
        }
    }

    public func isLastResortUseRecorded(_ id: PQPreKeyID, baseKey: X25519.PublicKey) async throws -> Bool {
        try await pool.read { db in try self.isLastResortUseRecorded(id, baseKey: baseKey, db) }
    }

    /// Deletes a PQ prekey (a rotated last-resort one after its grace period) and the uses
    /// recorded for it, in one transaction.
    public func removePQPreKey(_ id: PQPreKeyID) async throws {
        let keyHash = Data(keyring.lookupHash(id.rawRepresentation, for: .pqPreKeys))
        try await pool.write { db in
            try db.execute(sql: "DELETE FROM pq_prekeys WHERE key_hash = ?", arguments: [keyHash])
            try db.execute(sql: "DELETE FROM pq_last_resort_uses WHERE key_hash = ?", arguments: [keyHash])
        }
    }

    /// How many one-time PQ prekeys the store still holds.
    public func pqOneTimePreKeyCount() async throws -> Int {
        try await pool.read { db in
            var count = 0
            for row in try Row.fetchAll(db, sql: "SELECT key_hash, sealed FROM pq_prekeys") {
                guard let hash = row["key_hash"] as Data?, let sealed = row["sealed"] as Data? else {
                    throw StoreError.integrity(table: "pq_prekeys")
                }
                let plaintext = try self.keyring.open(Array(sealed), for: .pqPreKeys, rowKey: Array(hash))
                if try Self.pqKind(plaintext) == .oneTime { count += 1 }
            }
            return count
        }
    }

    // MARK: Inside a transaction

    /// The `pq_prekeys` row of `preKey`: its lookup hash and the sealed
    /// `seed (64) || kind (0x01 one-time, 0x02 last resort) || signature || public key`.
    func sealedRow(_ preKey: PQPreKey) throws -> (keyHash: Data, sealed: Data) {
        let keyHash = keyring.lookupHash(preKey.id.rawRepresentation, for: .pqPreKeys)
        let kind: UInt8 = preKey.kind == .oneTime ? 0x01 : 0x02
        let plaintext = SecureBytes.concatenating([
            preKey.keyPair.seedRepresentation, SecureBytes(copying: [kind] + preKey.signature),
            SecureBytes(copying: preKey.keyPair.publicKey.rawRepresentation),
        ])
        return (Data(keyHash), Data(try keyring.seal(plaintext, for: .pqPreKeys, rowKey: keyHash)))
    }

    func pqPreKey(for id: PQPreKeyID, _ db: Database) throws -> PQPreKey? {
        let keyHash = keyring.lookupHash(id.rawRepresentation, for: .pqPreKeys)
        guard
            let sealed = try Data.fetchOne(
                db, sql: "SELECT sealed FROM pq_prekeys WHERE key_hash = ?", arguments: [Data(keyHash)])
        else { return nil }
        let plaintext = try keyring.open(Array(sealed), for: .pqPreKeys, rowKey: keyHash)
        let signatureEnd = MLKEM.seedByteCount + 1 + Ed25519.signatureByteCount
        guard plaintext.count == signatureEnd + MLKEM.publicKeyByteCount,
            let publicKey = try? MLKEM.PublicKey(
                rawRepresentation: plaintext.slice(signatureEnd..<plaintext.count).unprotectedBytes()),
            let keyPair = try? MLKEM.PrivateKey(restoringSeed: plaintext.slice(0..<MLKEM.seedByteCount), publicKey: publicKey)
        else { throw StoreError.integrity(table: "pq_prekeys") }
        let preKey = PQPreKey(
            keyPair: keyPair,
            signature: plaintext.slice((MLKEM.seedByteCount + 1)..<signatureEnd).unprotectedBytes(),
            kind: try Self.pqKind(plaintext))
        guard preKey.id == id else { throw StoreError.integrity(table: "pq_prekeys") }
        return preKey
    }

    func isLastResortUseRecorded(_ id: PQPreKeyID, baseKey: X25519.PublicKey, _ db: Database) throws -> Bool {
        let useHash = keyring.lookupHash(id.rawRepresentation + baseKey.rawRepresentation, for: .pqLastResortUses)
        return try Bool.fetchOne(db, sql: "SELECT 1 FROM pq_last_resort_uses WHERE use_hash = ?", arguments: [Data(useHash)])
            ?? false
    }

    /// Deletes a one-time PQ prekey or records a last-resort use (inside the commit's transaction).
    func apply(_ use: PQPreKeyUse, _ db: Database) throws {
        switch use {
        case .oneTime(let id):
            let keyHash = keyring.lookupHash(id.rawRepresentation, for: .pqPreKeys)
            try db.execute(sql: "DELETE FROM pq_prekeys WHERE key_hash = ?", arguments: [Data(keyHash)])
        case .lastResort(let id, let baseKey):
            let keyHash = keyring.lookupHash(id.rawRepresentation, for: .pqPreKeys)
            let useHash = keyring.lookupHash(id.rawRepresentation + baseKey.rawRepresentation, for: .pqLastResortUses)
            try db.execute(
                sql: "INSERT OR IGNORE INTO pq_last_resort_uses (use_hash, key_hash) VALUES (?, ?)",
                arguments: [Data(useHash), Data(keyHash)])
        }
    }

    private static func pqKind(_ plaintext: SecureBytes) throws -> PQPreKeyKind {
        guard plaintext.count > MLKEM.seedByteCount else { throw StoreError.integrity(table: "pq_prekeys") }
        switch plaintext.slice(MLKEM.seedByteCount..<(MLKEM.seedByteCount + 1)).unprotectedBytes().first {
        case 0x01: return .oneTime
        case 0x02: return .lastResort
        default: throw StoreError.integrity(table: "pq_prekeys")
        }
    }
}

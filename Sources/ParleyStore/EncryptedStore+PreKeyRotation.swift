import Foundation
import GRDB
import ParleyCrypto
import ParleyProtocol

/// Rotating a device's replaceable prekeys as one change: the new signed prekey and last-resort
/// PQ prekey, the deletion of retired ones past their grace period, and the caller's record of
/// which keys are current (a sealed setting) are committed in one transaction, or nothing is.
extension EncryptedStore {
    /// One rotation step of the prekeys this device publishes.
    public struct PreKeyRotation: Sendable {
        /// A signed prekey to add (sealed like every private key).
        public var newSignedPreKey: SignedPreKey?
        /// PQ prekeys to add (their seeds sealed).
        public var newPQPreKeys: [PQPreKey]
        /// Retired signed prekeys to delete.
        public var removedSignedPreKeys: [X25519.PublicKey]
        /// Retired PQ prekeys to delete, with their last-resort use records.
        public var removedPQPreKeys: [PQPreKeyID]
        /// The setting that records the current and retired keys, and its new value.
        public var setting: (name: String, value: String)

        /// A rotation step.
        public init(
            newSignedPreKey: SignedPreKey? = nil, newPQPreKeys: [PQPreKey] = [], removedSignedPreKeys: [X25519.PublicKey] = [],
            removedPQPreKeys: [PQPreKeyID] = [], setting: (name: String, value: String)
        ) {
            self.newSignedPreKey = newSignedPreKey
            self.newPQPreKeys = newPQPreKeys
            self.removedSignedPreKeys = removedSignedPreKeys
            self.removedPQPreKeys = removedPQPreKeys
            self.setting = setting
        }
    }

    /// Commits `rotation` in one transaction: on any failure the store is unchanged.
    public func commit(_ rotation: PreKeyRotation) async throws {
        let signedRows = try [rotation.newSignedPreKey].compactMap { $0 }.map { try sealedRow($0) }
        let pqRows = try rotation.newPQPreKeys.map { try sealedRow($0) }
        let removedSigned = rotation.removedSignedPreKeys.map {
            Data(keyring.lookupHash($0.rawRepresentation, for: .signedPreKeys))
        }
        let removedPQ = rotation.removedPQPreKeys.map { Data(keyring.lookupHash($0.rawRepresentation, for: .pqPreKeys)) }
        let nameHash = keyring.lookupHash(Array(rotation.setting.name.utf8), for: .settings)
        let setting = try sealRecord([rotation.setting.name, rotation.setting.value], for: .settings, rowKey: nameHash)
        try await pool.write { db in
            for (keyHash, sealed) in signedRows {
                try db.execute(
                    sql: "INSERT OR REPLACE INTO signed_prekeys (key_hash, sealed) VALUES (?, ?)", arguments: [keyHash, sealed])
            }
            for (keyHash, sealed) in pqRows {
                try db.execute(
                    sql: "INSERT OR REPLACE INTO pq_prekeys (key_hash, sealed) VALUES (?, ?)", arguments: [keyHash, sealed])
            }
            for keyHash in removedSigned {
                try db.execute(sql: "DELETE FROM signed_prekeys WHERE key_hash = ?", arguments: [keyHash])
            }
            for keyHash in removedPQ {
                try db.execute(sql: "DELETE FROM pq_prekeys WHERE key_hash = ?", arguments: [keyHash])
                try db.execute(sql: "DELETE FROM pq_last_resort_uses WHERE key_hash = ?", arguments: [keyHash])
            }
            try db.execute(
                sql: "INSERT OR REPLACE INTO settings (setting_hash, sealed) VALUES (?, ?)", arguments: [Data(nameHash), setting])
        }
    }

    /// Starts a Parley-v2 session with `recipient` from its bundle (PQXDH, both signatures checked
    /// before any draw or encapsulation); it becomes the current session, an earlier one is
    /// archived, in one transaction.
    /// - Throws: ``ProtocolError/badSignature`` or ``ProtocolError/invalidKey`` with nothing stored.
    public func startSession(with recipient: PeerAddress, bundle: PQXDHBundle) async throws {
        let random = self.random
        let identity = self.identity
        try await pool.write { db in
            let session = try SessionCipher.initiate(
                identity: identity, bundle: bundle, random: random, encapsulator: SystemKEMEncapsulator())
            var record = try self.sessionRecord(for: recipient, db) ?? SessionRecord()
            record.makeCurrent(session)
            try self.apply(SessionChange(address: recipient, record: record, consumedOneTimePreKey: nil), db)
        }
    }
}

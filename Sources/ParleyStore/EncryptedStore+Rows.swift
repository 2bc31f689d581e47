import Foundation
import GRDB
import ParleyCrypto
import ParleyProtocol

/// Sealed-row helpers shared by the record accessors.
extension EncryptedStore {
    /// The lookup-column bytes of a peer device.
    static func peerKey(_ address: PeerAddress) -> [UInt8] {
        Array(address.user.utf8) + [0] + bigEndian(UInt64(address.device))
    }

    /// Seals a Codable record as JSON.
    func sealRecord(_ value: some Encodable, for purpose: StorePurpose, rowKey: [UInt8]) throws -> Data {
        var json = try Array(JSONEncoder().encode(value))
        defer { _ = SecureBytes(zeroingAfterCopy: &json) }
        return Data(try keyring.seal(json, for: purpose, rowKey: rowKey))
    }

    /// Opens and decodes a record sealed by ``sealRecord(_:for:rowKey:)``.
    ///
    /// - Throws: ``StoreError/integrity(table:)`` when it does not open or decode.
    func openRecord<T: Decodable>(_ type: T.Type, _ sealed: Data, for purpose: StorePurpose, rowKey: [UInt8]) throws -> T {
        let plaintext = try keyring.open(Array(sealed), for: purpose, rowKey: rowKey)
        do {
            return try plaintext.withUnsafeBytes { try JSONDecoder().decode(T.self, from: Data($0)) }
        } catch {
            throw StoreError.integrity(table: purpose.table)
        }
    }

    /// Every row of a table keyed by a lookup hash, opened and decoded as `T`.
    ///
    /// - Throws: ``StoreError/integrity(table:)`` for any row that does not open or decode.
    func openAllRecords<T: Decodable>(_ type: T.Type, keyColumn: String, for purpose: StorePurpose, _ db: Database) throws -> [T]
    {
        try Row.fetchAll(db, sql: "SELECT \(keyColumn), sealed FROM \(purpose.table)").map { row in
            guard let key = row[keyColumn] as Data?, let sealed = row["sealed"] as Data? else {
                throw StoreError.integrity(table: purpose.table)
            }
            return try openRecord(T.self, sealed, for: purpose, rowKey: Array(key))
        }
    }

    /// The row key of an integer-keyed row.
    static func rowKey(_ id: Int64) -> [UInt8] { bigEndian(UInt64(bitPattern: id)) }

    /// The next free id of an integer-keyed table (inside a write transaction: one writer).
    static func nextID(_ table: String, _ db: Database) throws -> Int64 {
        (try Int64.fetchOne(db, sql: "SELECT MAX(id) FROM \(table)") ?? 0) + 1
    }
}

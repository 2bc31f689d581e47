import ParleyCrypto

/// The plaintext of a `secrets` row (Specs/store.md §4.3): the secret's name and its bytes, so
/// that a backup can carry secrets by name.
///
///     named:   0x01 || u16(len(name)) || UTF-8(name) || secret
///     unnamed: 0x00 || secret     (moved from a schema version 1 store, which kept no name)
struct SecretRecord {
    /// The secret's name; nil for a row moved from schema version 1 that was not read since.
    let name: String?
    let secret: SecureBytes

    private static let unnamedTag: UInt8 = 0
    private static let namedTag: UInt8 = 1
    /// Names are at most this many UTF-8 bytes (the length field is a u16).
    static let maximumNameByteCount = Int(UInt16.max)

    /// The plaintext of a named secret.
    /// - Throws: ``StoreError/invalidSecretName`` for a name longer than ``maximumNameByteCount``.
    static func named(_ name: String, _ secret: SecureBytes) throws -> SecureBytes {
        let nameBytes = Array(name.utf8)
        guard nameBytes.count <= maximumNameByteCount else { throw StoreError.invalidSecretName }
        let header = [namedTag, UInt8(nameBytes.count >> 8), UInt8(nameBytes.count & 0xff)] + nameBytes
        return SecureBytes.concatenating([SecureBytes(copying: header), secret])
    }

    /// The plaintext of a secret whose name is not known (moved from schema version 1).
    static func unnamed(_ secret: SecureBytes) -> SecureBytes {
        SecureBytes.concatenating([SecureBytes(copying: [unnamedTag]), secret])
    }

    /// Parses an opened `secrets` value; every length is checked before it is read.
    /// - Throws: ``StoreError/integrity(table:)`` (`secrets`) for a malformed value.
    init(plaintext: SecureBytes) throws {
        let count = plaintext.count
        guard count >= 1 else { throw StoreError.integrity(table: "secrets") }
        let tag = plaintext.slice(0..<1).unprotectedBytes()[0]
        switch tag {
        case Self.unnamedTag:
            name = nil
            secret = plaintext.slice(1..<count)
        case Self.namedTag:
            guard count >= 3 else { throw StoreError.integrity(table: "secrets") }
            let length = plaintext.slice(1..<3).unprotectedBytes().reduce(0) { $0 << 8 | Int($1) }
            guard count - 3 >= length,
                let name = String(validating: plaintext.slice(3..<(3 + length)).unprotectedBytes(), as: UTF8.self)
            else { throw StoreError.integrity(table: "secrets") }
            self.name = name
            secret = plaintext.slice((3 + length)..<count)
        default:
            throw StoreError.integrity(table: "secrets")
        }
    }
}

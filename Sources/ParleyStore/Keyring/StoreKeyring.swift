import ParleyCrypto

/// The store key's per-purpose subkeys: seals and opens row values and makes lookup hashes.
///
/// A sealed value is `nonce (24) || XChaCha20-Poly1305(subkey(purpose), plaintext, AD)` with
/// `AD = "parley-store/v1" || 0x00 || table || 0x00 || row key || u32(schema version)`, so a
/// value moved to another row, another table or another schema version fails to open.
struct StoreKeyring: Sendable {
    private static let context = "ParleySt"
    private static let adPrefix = Array("parley-store/v1".utf8) + [0]

    private let subkeys: [StorePurpose: SecureBytes]
    private let random: any RandomSource
    /// The schema version bound into what this keyring seals and opens.
    let version: UInt32

    init(storeKey: SecureBytes, random: any RandomSource, version: UInt32 = StoreSchema.currentVersion) throws(StoreError) {
        var subkeys: [StorePurpose: SecureBytes] = [:]
        for purpose in StorePurpose.allCases {
            do {
                subkeys[purpose] = try SubkeyDerivation.subkey(id: purpose.rawValue, context: Self.context, masterKey: storeKey)
            } catch {
                throw .integrity(table: "store_header")  // the unwrapped store key has the wrong length
            }
        }
        self.subkeys = subkeys
        self.random = random
        self.version = version
    }

    private init(subkeys: [StorePurpose: SecureBytes], random: any RandomSource, version: UInt32) {
        self.subkeys = subkeys
        self.random = random
        self.version = version
    }

    /// The same subkeys, binding `version` instead (for re-sealing values of an older version).
    func atVersion(_ version: UInt32) -> StoreKeyring {
        StoreKeyring(subkeys: subkeys, random: random, version: version)
    }

    private func subkey(_ purpose: StorePurpose) -> SecureBytes {
        // Every purpose is filled in init.
        subkeys[purpose] ?? SecureBytes(copying: [UInt8](repeating: 0, count: 32))
    }

    private func associatedData(_ purpose: StorePurpose, rowKey: [UInt8]) -> [UInt8] {
        var ad = Self.adPrefix + Array(purpose.table.utf8) + [0] + rowKey
        ad += [UInt8(version >> 24 & 0xff), UInt8(version >> 16 & 0xff), UInt8(version >> 8 & 0xff), UInt8(version & 0xff)]
        return ad
    }

    /// Seals `plaintext` for the row `rowKey` of `purpose`'s table.
    func seal(_ plaintext: [UInt8], for purpose: StorePurpose, rowKey: [UInt8]) throws(StoreError) -> [UInt8] {
        let nonce = random.bytes(XChaCha20Poly1305.nonceByteCount)
        let ad = associatedData(purpose, rowKey: rowKey)
        let key = subkey(purpose)
        let sealed = plaintext.withUnsafeBytes { pt in
            nonce.withUnsafeBytes { n in
                ad.withUnsafeBytes { a in
                    Result { () throws(CryptoError) in try XChaCha20Poly1305.seal(pt, key: key, nonce: n, associatedData: a) }
                }
            }
        }
        guard case .success(let ciphertext) = sealed else { throw .integrity(table: purpose.table) }  // unreachable
        return nonce + ciphertext
    }

    /// Seals a secret for the row `rowKey` of `purpose`'s table.
    func seal(_ secret: SecureBytes, for purpose: StorePurpose, rowKey: [UInt8]) throws(StoreError) -> [UInt8] {
        var plaintext = secret.unprotectedBytes()
        defer { _ = SecureBytes(zeroingAfterCopy: &plaintext) }
        return try seal(plaintext, for: purpose, rowKey: rowKey)
    }

    /// Opens a value sealed by ``seal(_:for:rowKey:)``.
    ///
    /// - Throws: ``StoreError/integrity(table:)`` naming the table when the value was altered,
    ///   moved or truncated.
    func open(_ sealed: [UInt8], for purpose: StorePurpose, rowKey: [UInt8]) throws(StoreError) -> SecureBytes {
        let nonceCount = XChaCha20Poly1305.nonceByteCount
        guard sealed.count >= nonceCount + XChaCha20Poly1305.tagByteCount else { throw .integrity(table: purpose.table) }
        let ad = associatedData(purpose, rowKey: rowKey)
        let key = subkey(purpose)
        let opened = sealed.withUnsafeBytes { all in
            ad.withUnsafeBytes { a in
                Result { () throws(CryptoError) in
                    try XChaCha20Poly1305.open(
                        UnsafeRawBufferPointer(rebasing: all[nonceCount...]), key: key,
                        nonce: UnsafeRawBufferPointer(rebasing: all[0..<nonceCount]), associatedData: a)
                }
            }
        }
        guard case .success(var plaintext) = opened else { throw .integrity(table: purpose.table) }
        return SecureBytes(zeroingAfterCopy: &plaintext)
    }

    /// The keyed BLAKE2b of `value` for lookup columns of `purpose`'s table: equal inputs give
    /// equal hashes, and the hash reveals nothing about the input without the store key.
    func lookupHash(_ value: [UInt8], for purpose: StorePurpose) -> [UInt8] {
        let input = Array(purpose.table.utf8) + [0] + value
        // The lookup subkey is 32 bytes, within BLAKE2b's key range.
        return (try? KeyedHash.hash(input, key: subkey(.lookup))) ?? []
    }
}

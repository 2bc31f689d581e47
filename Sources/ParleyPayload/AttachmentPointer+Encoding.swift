import ParleyCrypto

extension AttachmentPointer {
    /// Appends the pointer's layout: u8 id length, id, 32-byte key, u64 plaintext size, u64
    /// ciphertext size, 32-byte digest, u8 name length, name, u8 media type length, media type.
    /// The output holds the key: it goes only into a payload that the session cipher encrypts.
    func encode(into out: inout [UInt8]) {
        out.append(UInt8(attachmentID.utf8.count))
        out.append(contentsOf: attachmentID.utf8)
        key.withUnsafeBytes { out.append(contentsOf: $0) }
        out.appendBigEndian(UInt64(plaintextSize), width: 8)
        out.appendBigEndian(UInt64(ciphertextSize), width: 8)
        out.append(contentsOf: ciphertextSHA256)
        out.append(UInt8(fileName.utf8.count))
        out.append(contentsOf: fileName.utf8)
        out.append(UInt8(mediaType.utf8.count))
        out.append(contentsOf: mediaType.utf8)
    }

    /// Reads the layout ``encode(into:)`` writes, then validates it like the public initializer.
    init(reading reader: inout PayloadReader) throws(PayloadError) {
        let attachmentID = try reader.utf8(Int(reader.byte()))
        var keyBytes = try reader.bytes(SecretStream.keyByteCount)
        let key = SecureBytes(zeroingAfterCopy: &keyBytes)
        let plaintextSize = try reader.size()
        let ciphertextSize = try reader.size()
        let digest = try reader.bytes(SHA256.byteCount)
        let fileName = try reader.utf8(Int(reader.byte()))
        let mediaType = try reader.utf8(Int(reader.byte()))
        try self.init(
            attachmentID: attachmentID, key: key, plaintextSize: plaintextSize, ciphertextSize: ciphertextSize,
            ciphertextSHA256: digest, fileName: fileName, mediaType: mediaType)
    }
}

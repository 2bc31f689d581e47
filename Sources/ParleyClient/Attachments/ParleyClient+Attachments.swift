import Foundation
import ParleyCrypto
import ParleyProtocol
import ParleyStore

/// Files: encrypted in chunks under a fresh key, uploaded, and sent as a pointer inside the
/// ratchet; received files are downloaded, checked and decrypted into the store directory.
extension ParleyClient {
    /// Progress of a long transfer: bytes done and bytes in all.
    public typealias TransferProgress = @Sendable (Int64, Int64) -> Void

    /// Where received files are saved.
    public nonisolated var downloadsDirectory: String {
        (storeDirectory as NSString).appendingPathComponent("downloads")
    }

    /// Encrypts the file at `path`, uploads it and sends it to `user` like a text message.
    /// - Parameters:
    ///   - encryptionProgress: plaintext bytes encrypted so far, of the file's size.
    ///   - progress: ciphertext bytes uploaded so far, of the ciphertext's size.
    /// - Returns: the message id.
    @discardableResult
    public func send(
        fileAt path: String, to user: String, mediaType: String = "application/octet-stream",
        encryptionProgress: TransferProgress? = nil, progress: TransferProgress? = nil
    ) async throws -> MessageID {
        let sealedPath = try temporaryPath("upload")
        defer { try? FileManager.default.removeItem(atPath: sealedPath) }
        let encrypted: EncryptedAttachment
        do {
            encrypted = try AttachmentCipher.encryptFile(at: path, to: sealedPath, random: random, progress: encryptionProgress)
        } catch {
            throw ClientError.fileAccess(path)
        }
        let id = try await server.uploadAttachment(
            fileAt: sealedPath, size: encrypted.ciphertextSize, digest: encrypted.ciphertextSHA256, progress: progress)
        let pointer: AttachmentPointer
        do {
            pointer = try AttachmentPointer(
                attachmentID: id, encrypted: encrypted, fileName: (path as NSString).lastPathComponent, mediaType: mediaType)
        } catch {
            throw ClientError.fileAccess(path)
        }
        return try await send(.attachment(pointer), to: user)
    }

    /// Reports the progress of attachment downloads that happen while receiving (nil: none).
    public func observeDownloads(_ progress: TransferProgress?) {
        downloadProgress = progress
    }

    /// Downloads, verifies and decrypts a received file into ``downloadsDirectory``; the
    /// plaintext appears only after every check passed.
    func download(_ pointer: AttachmentPointer) async -> MessageContent {
        let progress = downloadProgress
        let failed = { (reason: String) in
            MessageContent.file(name: pointer.fileName, size: pointer.plaintextSize, savedAt: nil, error: reason)
        }
        guard let sealedPath = try? temporaryPath("download") else { return failed("the store directory is not writable") }
        defer { try? FileManager.default.removeItem(atPath: sealedPath) }
        do {
            try await server.downloadAttachment(
                pointer.attachmentID, to: sealedPath, limit: pointer.ciphertextSize, progress: progress)
        } catch {
            return failed("\(error)")
        }
        let output = uniqueDownloadPath(for: pointer.fileName)
        do {
            try AttachmentCipher.decryptFile(
                at: sealedPath, to: output, key: pointer.key, expectedCiphertextSHA256: pointer.ciphertextSHA256,
                expectedPlaintextSize: pointer.plaintextSize)
        } catch {
            return failed("\(ClientError.attachmentCorrupt(pointer.attachmentID))")
        }
        return .file(name: pointer.fileName, size: pointer.plaintextSize, savedAt: output, error: nil)
    }

    /// A fresh file name in the store directory's `tmp` folder.
    private func temporaryPath(_ purpose: String) throws -> String {
        let directory = (storeDirectory as NSString).appendingPathComponent("tmp")
        try StoreDirectory.createPrivate(directory)
        return (directory as NSString).appendingPathComponent("\(purpose)-\(Hex.encode(random.bytes(8)))")
    }

    /// `downloads/NAME`, or `downloads/NAME (2)` and so on when taken. The name was checked by
    /// the payload parser (no `/`, not `.` or `..`).
    private func uniqueDownloadPath(for name: String) -> String {
        try? StoreDirectory.createPrivate(downloadsDirectory)
        let base = name.isEmpty ? "attachment" : name
        var candidate = (downloadsDirectory as NSString).appendingPathComponent(base)
        var counter = 2
        while FileManager.default.fileExists(atPath: candidate) {
            candidate = (downloadsDirectory as NSString).appendingPathComponent(Self.numbered(base, counter))
            counter += 1
        }
        return candidate
    }

    /// `NAME (N)`, with NAME shortened (whole characters from its end) so that the result stays
    /// within the 255 bytes a path component may have.
    static func numbered(_ name: String, _ counter: Int) -> String {
        let suffix = " (\(counter))"
        var stem = Substring(name)
        while stem.utf8.count + suffix.utf8.count > AttachmentPointer.maximumFileNameByteCount, !stem.isEmpty {
            stem.removeLast()
        }
        return stem + suffix
    }
}

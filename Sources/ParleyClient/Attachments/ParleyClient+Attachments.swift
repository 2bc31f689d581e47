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

    /// Files up to this many bytes are downloaded as soon as their message arrives: 25 MiB.
    public static let defaultAutoDownloadLimit: Int64 = 25 * 1024 * 1024

    /// Sets the largest file downloaded as soon as its message arrives; larger files are recorded
    /// and wait for ``downloadAttachment(_:)`` (`parley download ID`). 0 downloads nothing by itself.
    public func setAutoDownloadLimit(_ bytes: Int64) {
        autoDownloadLimit = max(0, bytes)
    }

    /// A received file: recorded in the store first (so that nothing accepted is lost, whatever
    /// happens next), then downloaded, verified and decrypted into ``downloadsDirectory`` when it
    /// is within the automatic download limit. One upload named by several messages is
    /// downloaded once (same attachment id and ciphertext hash): later messages show the same file.
    func receiveFile(_ pointer: AttachmentPointer) async -> MessageContent {
        let id = pointer.attachmentID
        let waiting = { (reason: String) in
            MessageContent.file(
                name: pointer.fileName, size: pointer.plaintextSize, savedAt: nil,
                error: "\(reason); run `parley download \(id)` to fetch it")
        }
        do {
            if let known = try await store.attachment(id) {
                guard known.ciphertextSHA256 == pointer.ciphertextSHA256 else {
                    return .file(
                        name: pointer.fileName, size: pointer.plaintextSize, savedAt: nil,
                        error: "another message named the same attachment with other contents")
                }
                if let path = known.localPath, FileManager.default.fileExists(atPath: path) {
                    return .file(name: pointer.fileName, size: pointer.plaintextSize, savedAt: path, error: nil)
                }
            } else {
                try await store.saveAttachment(
                    AttachmentRecord(
                        id: id, key: pointer.key, size: pointer.plaintextSize, ciphertextSHA256: pointer.ciphertextSHA256,
                        fileName: pointer.fileName, mediaType: pointer.mediaType))
            }
        } catch {
            return .file(name: pointer.fileName, size: pointer.plaintextSize, savedAt: nil, error: "\(error)")
        }
        guard pointer.plaintextSize <= autoDownloadLimit else {
            return waiting("larger than the automatic download limit (\(autoDownloadLimit) bytes)")
        }
        do {
            return .file(
                name: pointer.fileName, size: pointer.plaintextSize, savedAt: try await downloadAttachment(id), error: nil)
        } catch {
            return waiting("\(error)")
        }
    }

    /// Downloads, verifies and decrypts a received file (by attachment id, as ``ClientEvent``
    /// shows it) into ``downloadsDirectory``; the plaintext appears only after every check
    /// passed. A file downloaded before is not fetched again.
    /// - Returns: where the file is.
    /// - Throws: ``ClientError/unknownAttachment(_:)`` for an id no message named,
    ///   ``ClientError/attachmentCorrupt(_:)`` when the server's bytes fail the checks,
    ///   ``ClientError/fileAccess(_:)`` when the file cannot be written, server errors.
    public func downloadAttachment(_ id: String) async throws -> String {
        guard var record = try await store.attachment(id) else { throw ClientError.unknownAttachment(id) }
        if let path = record.localPath, FileManager.default.fileExists(atPath: path) { return path }
        let sealedPath: String
        do {
            sealedPath = try temporaryPath("download")
        } catch {
            throw ClientError.fileAccess(storeDirectory)
        }
        defer { try? FileManager.default.removeItem(atPath: sealedPath) }
        let ciphertextSize = AttachmentFormat.ciphertextSize(plaintextSize: record.size)
        try await server.downloadAttachment(id, to: sealedPath, limit: ciphertextSize, progress: downloadProgress)
        let output = uniqueDownloadPath(for: record.fileName)
        do {
            try AttachmentCipher.decryptFile(
                at: sealedPath, to: output, key: record.key, expectedCiphertextSHA256: record.ciphertextSHA256,
                expectedPlaintextSize: record.size)
        } catch AttachmentCipherError.fileAccess(let path, _) {
            // Not the file's fault: the disk is full or the folder not writable.
            throw ClientError.fileAccess(path)
        } catch {
            throw ClientError.attachmentCorrupt(id)
        }
        record.localPath = output
        try await store.saveAttachment(record)
        return output
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

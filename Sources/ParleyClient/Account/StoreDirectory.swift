import Foundation

/// The client's store directory and its `tmp/` and `downloads/` folders are the owner's alone
/// (0700): the store's files name nobody, but their sizes and times say how much someone talks,
/// and whoever may write the directory can replace the store with one of their own.
enum StoreDirectory {
    /// The mode of every folder the client creates.
    static let mode: Int16 = 0o700

    /// Creates `path` (and missing parents) with mode 0700 for a new store; an existing directory
    /// must not be writable by group or others.
    /// - Throws: ``ClientError/fileAccess(_:)``, ``ClientError/insecureStoreDirectory(_:)``.
    static func prepare(_ path: String) throws {
        if FileManager.default.fileExists(atPath: path) {
            try requirePrivate(path)
        } else {
            try createPrivate(path)
        }
    }

    /// Creates `path` (and missing parents) with mode 0700 if missing.
    /// - Throws: ``ClientError/fileAccess(_:)``.
    static func createPrivate(_ path: String) throws {
        guard !FileManager.default.fileExists(atPath: path) else { return }
        do {
            try FileManager.default.createDirectory(
                atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: mode])
        } catch {
            throw ClientError.fileAccess(path)
        }
    }

    /// Throws unless `path` is writable by its owner only (as OpenSSH requires of `~/.ssh`).
    /// - Throws: ``ClientError/insecureStoreDirectory(_:)``, ``ClientError/fileAccess(_:)``.
    static func requirePrivate(_ path: String) throws {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
            let permissions = (attributes[.posixPermissions] as? NSNumber)?.intValue
        else { throw ClientError.fileAccess(path) }
        guard permissions & 0o022 == 0 else { throw ClientError.insecureStoreDirectory(path) }
    }
}

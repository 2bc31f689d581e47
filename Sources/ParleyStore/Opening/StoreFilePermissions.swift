import Foundation

/// Store files are readable and writable by their owner only (0600): sealed values reveal nothing,
/// but the file's size, times and row counts say how much someone talks, and a copy can be
/// attacked offline with passphrase guesses. SQLite creates the `-wal` and `-shm` files with the
/// mode of the database file, so restricting the database file restricts them too.
enum StoreFilePermissions {
    /// The mode of every store and backup file.
    static let fileMode: Int16 = 0o600

    /// Creates the database file with mode 0600 if it does not exist, else takes away any
    /// permission beyond the owner's (and those of its `-wal` and `-shm` files).
    static func restrict(databaseAt path: String) throws {
        let manager = FileManager.default
        if !manager.fileExists(atPath: path) {
            guard manager.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: fileMode]) else {
                throw StoreError.fileAccess(path)
            }
            return
        }
        for file in [path, path + "-wal", path + "-shm"] where manager.fileExists(atPath: file) {
            try restrict(fileAt: file)
        }
    }

    /// Sets `path`'s mode to 0600.
    static func restrict(fileAt path: String) throws {
        do {
            try FileManager.default.setAttributes([.posixPermissions: fileMode], ofItemAtPath: path)
        } catch {
            throw StoreError.fileAccess(path)
        }
    }
}

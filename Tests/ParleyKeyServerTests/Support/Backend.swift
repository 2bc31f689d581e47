import Foundation
import ParleyKeyServer

/// The storage backends every behaviour test runs against.
enum Backend: String, CaseIterable, Sendable {
    case memory
    case sqlite

    /// A fresh, empty storage (SQLite in a new temporary directory).
    func makeStorage() throws -> any KeyServerStorage {
        switch self {
        case .memory:
            return MemoryKeyServerStorage()
        case .sqlite:
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
                "parley-server-tests-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            return try SQLiteKeyServerStorage(path: directory.appendingPathComponent("server.sqlite").path)
        }
    }
}

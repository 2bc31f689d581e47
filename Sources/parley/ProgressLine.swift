import Foundation

/// A one-line progress display on stderr for long transfers (only on a terminal).
final class ProgressLine: @unchecked Sendable {
    let enabled: Bool
    let label: String
    private let lock = NSLock()
    private var lastPercent = -1

    init(enabled: Bool, label: String) {
        self.enabled = enabled
        self.label = label
    }

    /// Shows `done` of `total` bytes when the percentage moved.
    @Sendable func update(_ done: Int64, _ total: Int64) {
        guard enabled, total > 0 else { return }
        let percent = Int(done * 100 / total)
        let changed = lock.withLock {
            defer { lastPercent = percent }
            return percent != lastPercent
        }
        // Cleared first: another line (encrypting, then uploading) may have been longer.
        if changed { FileHandle.standardError.write(Data("\r\u{1B}[K\(label) \(percent)%".utf8)) }
    }

    func finish() {
        if enabled { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
    }
}

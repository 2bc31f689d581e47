import Foundation
import ParleyCrypto
import ParleyProtocol

/// The crash-test child's DIR/wire.log, one line per wire message it handed to a receiver
/// (format: Sources/parley-store-crashtest/WireLog.swift):
/// `<sender> <ratchet key hex> <N> <BLAKE2b-256 hex> <wire hex>`.
struct CrashWireLog {
    static let fileName = "wire.log"

    /// One delivery (a wire delivered again after a kill appears again, with the same bytes).
    struct Entry {
        let sender: String
        let ratchetKey: String
        let messageNumber: UInt32
        let wire: [UInt8]
    }

    /// Complete lines, in order.
    var entries: [Entry] = []
    /// Complete lines that do not parse, or whose ratchet key or N is not the wire's own.
    var malformed: [String] = []

    /// Reads the log in `folder` (empty when there is none yet). A last line without its
    /// newline, cut off by a kill, is ignored.
    init(folder: URL) throws {
        let url = folder.appendingPathComponent(Self.fileName)
        guard FileManager.default.fileExists(atPath: url.path) else { return }
        var lines = try Data(contentsOf: url).split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        lines.removeLast()  // empty, or the cut-off line
        for line in lines {
            let text = String(decoding: line, as: UTF8.self)
            if let entry = Self.parse(text) { entries.append(entry) } else { malformed.append(text) }
        }
    }

    private static func parse(_ line: String) -> Entry? {
        let fields = line.split(separator: " ", omittingEmptySubsequences: false).map(String.init)
        guard fields.count == 5, let number = UInt32(fields[2]), let wire = Hex.decode(fields[4]),
            let message = try? WireMessage(serialized: wire)
        else { return nil }
        let header: MessageHeader
        switch message {
        case .message(let inner): header = inner.header
        case .preKeyMessage(let prefixed): header = prefixed.message.header
        }
        guard Hex.encode(header.ratchetKey.rawRepresentation) == fields[1], header.messageNumber == number else { return nil }
        return Entry(sender: fields[0], ratchetKey: fields[1], messageNumber: number, wire: wire)
    }

    /// Every (sender, ratchet key, N) that was used for more than one distinct wire message:
    /// a message key used twice. (Wires are compared whole; the logged hash is only a name.)
    var reusedMessageKeys: [String] {
        var wires: [String: Set<[UInt8]>] = [:]
        for entry in entries {
            wires["\(entry.sender) \(entry.ratchetKey) N=\(entry.messageNumber)", default: []].insert(entry.wire)
        }
        return wires.filter { $0.value.count > 1 }.map { "\($0.key) (\($0.value.count) wires)" }.sorted()
    }
}

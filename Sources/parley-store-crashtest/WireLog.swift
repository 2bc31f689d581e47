import Foundation
import ParleyCrypto
import ParleyProtocol

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// DIR/wire.log: one line per wire message handed to a receiver (first delivery or retry),
/// written before the receiver sees it:
///
///     <sender user> <ratchet key, 64 hex> <N> <BLAKE2b-256 of the wire, 64 hex> <wire, hex>\n
///
/// The ratchet key and N are those of the Double Ratchet header (inside a PreKeyMessage for the
/// first messages of a session). ParleyCrypto has no SHA-256; BLAKE2b-256 (crypto_generichash
/// under a fixed, public key) is just as collision-resistant for telling wires apart. The wire
/// itself is there so that the test can replay it. Each line
/// is one write(2) on an O_APPEND descriptor, so a SIGKILL leaves at most a last line without
/// its newline, which readers ignore.
final class WireLog {
    static let fileName = "wire.log"
    private static let hashKey = SecureBytes(copying: Array("parley-crashtest-wire-hash-v1...".utf8))

    private let descriptor: Int32

    init(path: String) throws {
        descriptor = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw CrashTestError.log("cannot open \(path): errno \(errno)") }
    }

    deinit { close(descriptor) }

    /// The hash that names `wire` in the log (and in its envelope id).
    static func hash(_ wire: [UInt8]) throws -> [UInt8] {
        try KeyedHash.hash(wire, key: hashKey)
    }

    /// Appends the line for `wire` sent by `sender`.
    ///
    /// - Throws: ``CrashTestError`` when the wire does not parse or the line is not written whole.
    func append(_ wire: [UInt8], from sender: PeerAddress) throws {
        let header: MessageHeader
        switch try WireMessage(serialized: wire) {
        case .message(let message): header = message.header
        case .preKeyMessage(let message): header = message.message.header
        }
        let line = Array(
            "\(sender.user) \(Hex.encode(header.ratchetKey.rawRepresentation)) \(header.messageNumber) \(Hex.encode(try Self.hash(wire))) \(Hex.encode(wire))\n"
                .utf8)
        let written = line.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        guard written == line.count else { throw CrashTestError.log("short write to \(Self.fileName): \(written)") }
    }
}

/// Why the crash-test child stopped on its own.
enum CrashTestError: Error, CustomStringConvertible {
    case log(String)
    /// The receiver could not decrypt a message its peer's store sent: never expected.
    case undecryptable(sender: String, reason: String)

    var description: String {
        switch self {
        case .log(let text): "wire log: \(text)"
        case .undecryptable(let sender, let reason): "a message from \(sender) did not decrypt: \(reason)"
        }
    }
}

import Foundation
import ParleyCrypto

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Where a store passphrase comes from. The passphrase is never stored; it is read into
/// ``SecureBytes`` and the raw buffers it passed through are zeroed.
public enum PassphraseSource: Sendable {
    /// Asked for on the terminal with echo off.
    case prompt(String)
    /// Read from an environment variable (for scripts; the variable stays in the environment).
    case environment(String)
    /// The first line of a file (trailing newline removed).
    case file(String)

    /// Why a passphrase could not be read.
    public enum Failure: Error, Equatable, Sendable {
        /// Standard input is not a terminal, so no prompt can be shown.
        case noTerminal
        case environmentVariableNotSet(String)
        case fileUnreadable(String)
        /// The source gave an empty passphrase.
        case empty
    }

    /// Reads the passphrase.
    ///
    /// - Throws: ``Failure`` when the source cannot give one.
    public func read() throws(Failure) -> SecureBytes {
        var bytes: [UInt8]
        switch self {
        case .prompt(let message):
            bytes = try Self.readWithoutEcho(prompt: message)
        case .environment(let name):
            guard let value = ProcessInfo.processInfo.environment[name] else { throw .environmentVariableNotSet(name) }
            bytes = Array(value.utf8)
        case .file(let path):
            guard let data = FileManager.default.contents(atPath: path) else { throw .fileUnreadable(path) }
            bytes = Array(data.prefix { $0 != UInt8(ascii: "\n") })
            if bytes.last == UInt8(ascii: "\r") { bytes.removeLast() }
        }
        guard !bytes.isEmpty else { throw .empty }
        return SecureBytes(zeroingAfterCopy: &bytes)
    }

    private static func readWithoutEcho(prompt: String) throws(Failure) -> [UInt8] {
        guard isatty(STDIN_FILENO) == 1 else { throw .noTerminal }
        var original = termios()
        guard tcgetattr(STDIN_FILENO, &original) == 0 else { throw .noTerminal }
        var silent = original
        silent.c_lflag &= ~tcflag_t(ECHO)
        // Echo off before the prompt shows: what is typed as soon as it appears is neither echoed
        // nor flushed away.
        // A signal that ends the process while echo is off (Ctrl-C, Ctrl-\\, a hang-up, kill)
        // would skip the `defer` below and leave the terminal silent: restore it first.
        let handlers = TerminalRestoringSignals.install(restoring: original)
        guard tcsetattr(STDIN_FILENO, TCSAFLUSH, &silent) == 0 else {
            handlers.uninstall()
            throw .noTerminal
        }
        FileHandle.standardError.write(Data(prompt.utf8))
        defer {
            _ = tcsetattr(STDIN_FILENO, TCSAFLUSH, &original)
            handlers.uninstall()
            FileHandle.standardError.write(Data("\n".utf8))
        }
        var bytes: [UInt8] = []
        var byte: UInt8 = 0
        while readStandardInput(&byte), byte != UInt8(ascii: "\n") {
            bytes.append(byte)
        }
        return bytes
    }
}

/// Reads one byte from standard input (outside the enum, whose `read()` would shadow the C call).
private func readStandardInput(_ byte: inout UInt8) -> Bool {
    read(STDIN_FILENO, &byte, 1) == 1
}

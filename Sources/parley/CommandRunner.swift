import ArgumentParser
import Foundation
import ParleyClient
import ParleyStore

/// Runs a command's work and turns any failure into one sentence on stderr and exit status 1.
enum CommandRunner {
    static func run(_ work: () async throws -> Void) async throws {
        do {
            try await work()
        } catch let error as ExitCode {
            throw error
        } catch {
            FileHandle.standardError.write(Data("parley: \(TerminalText.escaped(sentence(for: error)))\n".utf8))
            throw ExitCode.failure
        }
    }

    /// The user-facing sentence for an error from any layer.
    static func sentence(for error: any Error) -> String {
        switch error {
        case let error as ClientError: return error.description
        case let error as PassphraseSource.Failure:
            switch error {
            case .noTerminal: return "No passphrase: set PARLEY_PASSPHRASE, pass --passphrase-file, or run on a terminal."
            case .environmentVariableNotSet(let name): return "The environment variable \(name) is not set."
            case .fileUnreadable(let path): return "The passphrase file \(path) cannot be read."
            case .empty: return "The passphrase is empty."
            }
        case let error as ValidationError: return error.message
        case let error as StoreError: return "The local store failed (\(error))."
        default: return "Unexpected error: \(error)."
        }
    }
}

import ArgumentParser
import Foundation
import ParleyCrypto
import ParleyStore

/// A passphrase other than the store's current one (a backup's, or the store's new one): read
/// from its own file option, else its own environment variable, else a no-echo prompt. Like
/// the store passphrase it is never echoed, printed or logged.
struct PassphraseOption {
    /// The path given with the command's file option, if any.
    let file: String?
    /// The environment variable read when no file is given.
    let variable: String
    /// The prompt shown on a terminal when neither is given.
    let prompt: String

    /// The passphrase, read once.
    func read() throws -> SecureBytes {
        try source.read()
    }

    /// A passphrase that something new is protected with: typed twice when it comes from the
    /// prompt, so that a typo does not lock the user out.
    /// - Parameter mismatch: the sentence shown when the two differ (saying that nothing was done).
    func readNew(mismatch: String) throws -> SecureBytes {
        let passphrase = try source.read()
        if case .prompt = source {
            let again = try PassphraseSource.prompt("Type it again: ").read()
            guard passphrase == again else { throw ValidationError(mismatch) }
        }
        return passphrase
    }

    private var source: PassphraseSource {
        if let file { return .file(file) }
        if ProcessInfo.processInfo.environment[variable] != nil { return .environment(variable) }
        return .prompt(prompt)
    }
}

import ArgumentParser
import Foundation
import ParleyClient
import ParleyCrypto
import ParleyStore

/// Options every command takes: where the store is, how to get its passphrase, how to print.
struct GlobalOptions: ParsableArguments {
    @Option(help: "The store directory (default: ~/.parley, or PARLEY_STORE).")
    var store: String?

    @Option(help: "Read the passphrase from this file (else PARLEY_PASSPHRASE, else a prompt).")
    var passphraseFile: String?

    @Flag(help: "Print JSON lines for scripts instead of text.")
    var json = false

    @Option(help: "Seconds to wait for the server before giving up (else PARLEY_TIMEOUT, else 30).")
    var timeout: Int?

    /// These options, completed by those given before the command's name (`parent`); options
    /// after the name win.
    func merged(with parent: GlobalOptions) -> GlobalOptions {
        var merged = self
        merged.store = store ?? parent.store
        merged.passphraseFile = passphraseFile ?? parent.passphraseFile
        merged.json = json || parent.json
        merged.timeout = timeout ?? parent.timeout
        return merged
    }

    /// The store directory in effect.
    var storeDirectory: String {
        if let store { return store }
        if let fromEnvironment = ProcessInfo.processInfo.environment["PARLEY_STORE"] { return fromEnvironment }
        // HOME first, as every Unix tool does (NSHomeDirectory() reads the password database).
        let environment = ProcessInfo.processInfo.environment
        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
        return (home as NSString).appendingPathComponent(".parley")
    }

    /// The passphrase from the file, the environment or a no-echo prompt, in that order.
    func passphrase(prompt: String = "Passphrase: ") throws -> SecureBytes {
        try passphraseSource(prompt: prompt).read()
    }

    /// A passphrase for a new store: typed twice when it comes from the prompt, so that a typo
    /// does not lock the user out.
    func newPassphrase() throws -> SecureBytes {
        let source = passphraseSource(prompt: "New passphrase for the store: ")
        let passphrase = try source.read()
        if case .prompt = source {
            let again = try PassphraseSource.prompt("Type it again: ").read()
            guard passphrase == again else { throw ValidationError("The two passphrases differ; nothing was created.") }
        }
        return passphrase
    }

    private func passphraseSource(prompt: String) -> PassphraseSource {
        if let passphraseFile { return .file(passphraseFile) }
        if ProcessInfo.processInfo.environment["PARLEY_PASSPHRASE"] != nil { return .environment("PARLEY_PASSPHRASE") }
        return .prompt(prompt)
    }

    /// Opens this device's client.
    func openClient() async throws -> ParleyClient {
        guard ParleyClient.storeExists(in: storeDirectory) else { throw ClientError.storeNotFound(storeDirectory) }
        let client = try await ParleyClient.open(storeDirectory: storeDirectory, passphrase: try passphrase())
        let seconds = timeout ?? ProcessInfo.processInfo.environment["PARLEY_TIMEOUT"].flatMap { Int($0) }
        if let seconds { await client.setRequestTimeout(seconds: seconds) }
        // Only on a terminal: a script reading stderr gets no extra line.
        if isatty(STDERR_FILENO) == 1 {
            await client.observeSlowServer { url in
                FileHandle.standardError.write(Data("connecting to \(TerminalText.escaped(url))…\n".utf8))
            }
        }
        return client
    }

    var output: Output { Output(json: json) }
}

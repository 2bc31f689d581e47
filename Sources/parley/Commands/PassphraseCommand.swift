import ArgumentParser
import ParleyClient

/// `parley passphrase`: changes the store passphrase.
struct PassphraseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "passphrase", abstract: "Change the passphrase of this device's store.")

    @OptionGroup var local: GlobalOptions
    @ParentCommand var parent: ParleyCommand
    /// The options in effect, given before or after the command's name.
    var global: GlobalOptions { local.merged(with: parent.global) }

    @Option(help: "Read the new passphrase from this file (else PARLEY_NEW_PASSPHRASE, else a prompt).")
    var newPassphraseFile: String?

    @Option(help: "A new stretching cost: moderate (256 MiB) or interactive (64 MiB); default: keep the current one.")
    var kdf: InitCommand.KDFCost?

    func run() async throws {
        try await CommandRunner.run {
            let directory = global.storeDirectory
            guard ParleyClient.storeExists(in: directory) else { throw ClientError.storeNotFound(directory) }
            let current = try global.passphrase()
            let client = try await ParleyClient.open(storeDirectory: directory, passphrase: current)
            defer { try? client.close() }
            let new = try PassphraseOption(
                file: newPassphraseFile, variable: "PARLEY_NEW_PASSPHRASE", prompt: "New passphrase for the store: "
            ).readNew(mismatch: "The two passphrases differ; the passphrase was not changed.")
            try await client.changePassphrase(from: current, to: new, limits: kdf?.limits)
            global.output.emit(
                "Changed the passphrase of the store in \(directory).", ["event": "passphrase_changed", "store": directory])
        }
    }
}

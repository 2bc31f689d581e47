import ArgumentParser
import Foundation
import ParleyClient

/// `parley restore FILE`: a new store made from a backup, in place of the device backed up.
struct RestoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract: "Restore this device from a backup into a new store (new sessions start on first use).")

    @OptionGroup var local: GlobalOptions
    @ParentCommand var parent: ParleyCommand
    /// The options in effect, given before or after the command's name.
    var global: GlobalOptions { local.merged(with: parent.global) }

    @Argument(help: "The backup file written by `parley backup`.")
    var file: String

    @Option(help: "Read the backup passphrase from this file (else PARLEY_BACKUP_PASSPHRASE, else a prompt).")
    var backupPassphraseFile: String?

    @Option(help: "Passphrase stretching cost of the new store: moderate (256 MiB, default) or interactive (64 MiB).")
    var kdf: InitCommand.KDFCost = .moderate

    func run() async throws {
        try await CommandRunner.run {
            let directory = global.storeDirectory
            // Checked before any passphrase is asked for.
            guard !ParleyClient.storeExists(in: directory) else { throw ClientError.storeExists(directory) }
            guard FileManager.default.isReadableFile(atPath: file) else { throw ClientError.fileAccess(file) }
            let backupPassphrase = try PassphraseOption(
                file: backupPassphraseFile, variable: "PARLEY_BACKUP_PASSPHRASE", prompt: "Backup passphrase: "
            ).read()
            let passphrase = try global.newPassphrase()
            let client = try await ParleyClient.restore(
                fromBackup: file, backupPassphrase: backupPassphrase, storeDirectory: directory, passphrase: passphrase,
                limits: kdf.limits)
            defer { try? client.close() }
            global.output.emit(
                "Restored \(client.user) (device \(client.device)) into \(directory); run `parley sync` to publish new prekeys.",
                ["event": "restored", "user": client.user, "device": Int(client.device), "store": directory])
        }
    }
}

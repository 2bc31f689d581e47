import ArgumentParser
import Foundation
import ParleyClient

/// `parley backup FILE`: an encrypted backup of this device's store.
struct BackupCommand: ClientCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Write an encrypted backup of this device (identity, account key, contacts, history; no sessions) to a file.")

    @OptionGroup var local: GlobalOptions
    @ParentCommand var parent: ParleyCommand

    @Argument(help: "The backup file to write (an existing file is kept unless --force is given).")
    var file: String

    @Flag(help: "Replace FILE if it exists (an earlier backup, say).")
    var force = false

    @Option(help: "Read the backup passphrase from this file (else PARLEY_BACKUP_PASSPHRASE, else a prompt).")
    var backupPassphraseFile: String?

    @Option(help: "Backup passphrase stretching cost: moderate (256 MiB, default) or interactive (64 MiB).")
    var kdf: InitCommand.KDFCost = .moderate

    func run(with client: ParleyClient) async throws {
        // Checked before any prompt: a mistyped name must not silently replace another backup.
        guard force || !FileManager.default.fileExists(atPath: file) else {
            throw ValidationError("\(file) exists; give --force to replace it. Nothing was written.")
        }
        let passphrase = try PassphraseOption(
            file: backupPassphraseFile, variable: "PARLEY_BACKUP_PASSPHRASE", prompt: "Backup passphrase: "
        ).readNew(mismatch: "The two passphrases differ; no backup was written.")
        try await client.backup(to: file, passphrase: passphrase, limits: kdf.limits)
        global.output.emit(
            "Backed up \(client.user) (device \(client.device)) to \(file).",
            ["event": "backed_up", "user": client.user, "device": Int(client.device), "file": file])
    }
}

import ArgumentParser
import ParleyClient

/// `parley`: an end-to-end-encrypted messenger on the command line, built only on ParleyClient.
@main
struct ParleyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "parley", abstract: "An end-to-end-encrypted messenger.",
        subcommands: [
            InitCommand.self, SendCommand.self, SyncCommand.self, ChatCommand.self, HistoryCommand.self,
            ContactsCommand.self, VerifyCommand.self, StatusCommand.self, DevicesCommand.self, LinkCommand.self,
            BackupCommand.self, RestoreCommand.self, PassphraseCommand.self, DownloadCommand.self,
        ])

    /// The options given before the command's name (`parley --store DIR send …`).
    @OptionGroup var global: GlobalOptions
}

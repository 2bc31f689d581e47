import ArgumentParser
import Foundation
import ParleyClient

/// `parley sync`: fetch, decrypt, print.
struct SyncCommand: ClientCommand {
    static let configuration = CommandConfiguration(
        commandName: "sync", abstract: "Fetch and show new messages; send what is waiting in the outbox.")

    @OptionGroup var local: GlobalOptions
    @ParentCommand var parent: ParleyCommand

    @Option(
        help:
            "Download received files of up to this many bytes by themselves; larger ones wait for `parley download ID` (default 26214400)."
    )
    var autoDownloadLimit: Int64?

    func run(with client: ParleyClient) async throws {
        let progress = ProgressLine(enabled: !global.json && isatty(STDERR_FILENO) == 1, label: "downloading")
        await client.observeDownloads(progress.update)
        if let autoDownloadLimit { await client.setAutoDownloadLimit(autoDownloadLimit) }
        let events = try await client.sync()
        progress.finish()
        for event in events { global.output.show(event) }
        if events.isEmpty, !global.json { Output.line(global.output.dim("no new messages")) }
    }
}

import ArgumentParser
import Foundation
import ParleyClient

/// `parley sync`: fetch, decrypt, print.
struct SyncCommand: ClientCommand {
    static let configuration = CommandConfiguration(
        commandName: "sync", abstract: "Fetch and show new messages; send what is waiting in the outbox.")

    @OptionGroup var local: GlobalOptions
    @ParentCommand var parent: ParleyCommand

    func run(with client: ParleyClient) async throws {
        let progress = ProgressLine(enabled: !global.json && isatty(STDERR_FILENO) == 1, label: "downloading")
        await client.observeDownloads(progress.update)
        let events = try await client.sync()
        progress.finish()
        for event in events { global.output.show(event) }
        if events.isEmpty, !global.json { Output.line(global.output.dim("no new messages")) }
    }
}

import ArgumentParser
import Foundation
import ParleyClient

/// `parley download ID`: a received file that was not downloaded by itself (over the automatic
/// download limit, or its download failed).
struct DownloadCommand: ClientCommand {
    static let configuration = CommandConfiguration(
        commandName: "download", abstract: "Download a received file that waits (larger than the automatic limit, or failed).")

    @OptionGroup var local: GlobalOptions
    @ParentCommand var parent: ParleyCommand

    @Argument(help: "The attachment id shown with the file.")
    var id: String

    func run(with client: ParleyClient) async throws {
        let progress = ProgressLine(enabled: !global.json && isatty(STDERR_FILENO) == 1, label: "downloading")
        await client.observeDownloads(progress.update)
        let path = try await client.downloadAttachment(id)
        progress.finish()
        global.output.emit("Saved to \(TerminalText.escaped(path)).", ["event": "downloaded", "id": id, "saved_at": path])
    }
}

import ArgumentParser
import Foundation
import ParleyClient

/// `parley chat USER`: live incoming messages while typing; each line typed is sent.
struct ChatCommand: ClientCommand {
    static let configuration = CommandConfiguration(
        commandName: "chat", abstract: "Chat with a user: incoming messages appear live; type a line and press Enter to send.")

    @OptionGroup var local: GlobalOptions
    @ParentCommand var parent: ParleyCommand

    @Argument(help: "The other user's id.")
    var user: String

    @Option(
        help:
            "Download received files of up to this many bytes by themselves; larger ones wait for `parley download ID` (default 26214400)."
    )
    var autoDownloadLimit: Int64?

    func run(with client: ParleyClient) async throws {
        let output = global.output
        if let autoDownloadLimit { await client.setAutoDownloadLimit(autoDownloadLimit) }
        if !global.json { Output.line(output.dim("chatting with \(user); end with Ctrl-D")) }
        let listener = Task { try await client.listen { event in output.show(event) } }
        defer { listener.cancel() }
        while let line = readLine() {
            let text = line.trimmingCharacters(in: .whitespaces)
            guard !text.isEmpty else { continue }
            do {
                try await client.send(text: text, to: user)
            } catch {
                FileHandle.standardError.write(Data("parley: \(TerminalText.escaped(CommandRunner.sentence(for: error)))\n".utf8))
            }
        }
    }
}

import ArgumentParser
import Foundation
import ParleyClient

/// `parley send`: a text or a file to every device of a user.
struct SendCommand: ClientCommand {
    static let configuration = CommandConfiguration(commandName: "send", abstract: "Send a message or a file.")

    @OptionGroup var local: GlobalOptions
    @ParentCommand var parent: ParleyCommand

    @Argument(help: "The recipient's user id.")
    var user: String

    @Argument(help: "The text to send.")
    var text: String?

    @Option(help: "Send this file instead of text.")
    var file: String?

    @Option(help: "The file's media type.")
    var mediaType = "application/octet-stream"

    func validate() throws {
        guard (text == nil) != (file == nil) else { throw ValidationError("Give either a text or --file PATH, not both.") }
    }

    func run(with client: ParleyClient) async throws {
        let output = global.output
        if let file {
            let onTerminal = !global.json && isatty(STDERR_FILENO) == 1
            let encrypting = ProgressLine(enabled: onTerminal, label: "encrypting")
            let uploading = ProgressLine(enabled: onTerminal, label: "uploading")
            let id = try await client.send(
                fileAt: file, to: user, mediaType: mediaType, encryptionProgress: encrypting.update, progress: uploading.update)
            uploading.finish()
            output.emit(
                "sent \((file as NSString).lastPathComponent) to \(user)",
                ["event": "sent", "to": user, "id": id.description, "file": file])
        } else if let text {
            let id = try await client.send(text: text, to: user)
            output.emit("sent to \(user)", ["event": "sent", "to": user, "id": id.description])
        }
    }
}

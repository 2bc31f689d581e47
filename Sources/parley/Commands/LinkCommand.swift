import ArgumentParser
import ParleyClient

/// `parley link CODE`: on the primary device, certify and register a new device.
struct LinkCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "link", abstract: "Add a new device to your account with the code it printed (`parley init --link`).")

    @OptionGroup var local: GlobalOptions
    @ParentCommand var parent: ParleyCommand
    /// The options in effect, given before or after the command's name.
    var global: GlobalOptions { local.merged(with: parent.global) }

    @Argument(help: "The link code the new device printed.")
    var code: String

    func run() async throws {
        try await CommandRunner.run {
            let linkCode = try LinkCode(parsing: code)
            let client = try await global.openClient()
            defer { try? client.close() }
            try await client.link(linkCode)
            global.output.emit(
                "Linked device \(linkCode.device) to \(linkCode.user); run `parley sync` on it now.",
                ["event": "linked", "user": linkCode.user, "device": Int(linkCode.device)])
        }
    }
}

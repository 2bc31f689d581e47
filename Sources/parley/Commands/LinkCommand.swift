import ArgumentParser
import ParleyClient

/// `parley link CODE`: on the primary device, certify and register a new device.
struct LinkCommand: ClientCommand {
    static let configuration = CommandConfiguration(
        commandName: "link", abstract: "Add a new device to your account with the code it printed (`parley init --link`).")

    @OptionGroup var local: GlobalOptions
    @ParentCommand var parent: ParleyCommand

    @Argument(help: "The link code the new device printed.")
    var code: String

    func run() async throws {
        // A mistyped code fails before the passphrase prompt.
        try await CommandRunner.run { _ = try LinkCode(parsing: code) }
        try await runWithClient()
    }

    func run(with client: ParleyClient) async throws {
        let linkCode = try LinkCode(parsing: code)
        try await client.link(linkCode)
        global.output.emit(
            "Linked device \(linkCode.device) to \(linkCode.user); run `parley sync` on it now.",
            ["event": "linked", "user": linkCode.user, "device": Int(linkCode.device)])
    }
}

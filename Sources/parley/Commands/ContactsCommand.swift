import ArgumentParser
import ParleyClient

/// `parley contacts`: known users and their trust state.
struct ContactsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "contacts", abstract: "List contacts and their trust state.")

    @OptionGroup var local: GlobalOptions
    @ParentCommand var parent: ParleyCommand
    /// The options in effect, given before or after the command's name.
    var global: GlobalOptions { local.merged(with: parent.global) }

    func run() async throws {
        try await CommandRunner.run {
            let client = try await global.openClient()
            defer { try? client.close() }
            for contact in try await client.contacts() {
                global.output.emit(
                    "\(contact.user)  \(contact.trust.rawValue)", ["user": contact.user, "trust": contact.trust.rawValue])
            }
        }
    }
}

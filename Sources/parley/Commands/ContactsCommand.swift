import ArgumentParser
import ParleyClient

/// `parley contacts`: known users and their trust state.
struct ContactsCommand: ClientCommand {
    static let configuration = CommandConfiguration(commandName: "contacts", abstract: "List contacts and their trust state.")

    @OptionGroup var local: GlobalOptions
    @ParentCommand var parent: ParleyCommand

    func run(with client: ParleyClient) async throws {
        for contact in try await client.contacts() {
            global.output.emit(
                "\(contact.user)  \(contact.trust.rawValue)", ["user": contact.user, "trust": contact.trust.rawValue])
        }
    }
}

import ArgumentParser
import ParleyClient

/// `parley`: an end-to-end-encrypted messenger on the command line.
@main
struct ParleyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "parley", abstract: "An end-to-end-encrypted messenger.")
}

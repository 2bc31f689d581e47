import ArgumentParser
import ParleyClient

/// A `parley` command that works with this device's client: it takes the global options (before
/// or after its name), and its work runs on the opened client, which is closed afterwards; any
/// failure becomes one sentence on stderr and exit status 1 (``CommandRunner``).
protocol ClientCommand: AsyncParsableCommand {
    /// The global options given after the command's name.
    var local: GlobalOptions { get }
    /// The top-level command, for the global options given before the name.
    var parent: ParleyCommand { get }

    /// The command's own work.
    func run(with client: ParleyClient) async throws
}

extension ClientCommand {
    /// The options in effect, given before or after the command's name.
    var global: GlobalOptions { local.merged(with: parent.global) }

    func run() async throws {
        try await runWithClient()
    }

    /// Opens the client, runs ``run(with:)`` and closes the client.
    func runWithClient() async throws {
        try await CommandRunner.run {
            let client = try await global.openClient()
            defer { try? client.close() }
            try await run(with: client)
        }
    }
}

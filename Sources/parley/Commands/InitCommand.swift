import ArgumentParser
import ParleyClient
import ParleyCrypto

/// `parley init`: a new account with this machine as its first device.
struct InitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init", abstract: "Create an account on a server, with this store as its first device.")

    @OptionGroup var local: GlobalOptions
    @ParentCommand var parent: ParleyCommand
    /// The options in effect, given before or after the command's name.
    var global: GlobalOptions { local.merged(with: parent.global) }

    @Option(help: "Your user id: 3 to 32 characters of a-z, 0-9, '.', '_' and '-'.")
    var user: String

    @Option(help: "The key server's URL, e.g. http://127.0.0.1:8080.")
    var server: String

    @Option(help: "This device's id.")
    var device: UInt32 = 1

    @Flag(help: "Join an existing account as a new device: prints a link code for `parley link` on your primary device.")
    var link = false

    @Option(help: "Passphrase stretching cost: moderate (256 MiB, default) or interactive (64 MiB).")
    var kdf: KDFCost = .moderate

    enum KDFCost: String, ExpressibleByArgument {
        case moderate, interactive
        var limits: Argon2id.Limits { self == .moderate ? .moderate : .interactive }
    }

    func run() async throws {
        try await CommandRunner.run {
            let passphrase = try global.newPassphrase()
            if link {
                let (client, code) = try await ParleyClient.prepareLinkedDevice(
                    user: user, device: device, server: server, storeDirectory: global.storeDirectory, passphrase: passphrase,
                    limits: kdf.limits)
                defer { try? client.close() }
                global.output.emit(
                    """
                    Link code for \(user) device \(device) (it holds a secret: show it only to your primary device):
                    \(code.text)
                    On your primary device run `parley link CODE` with it, then `parley sync` here.
                    """,
                    ["event": "link_code", "user": user, "device": Int(device), "code": code.text])
                return
            }
            let client = try await ParleyClient.create(
                user: user, device: device, server: server, storeDirectory: global.storeDirectory, passphrase: passphrase,
                limits: kdf.limits)
            defer { try? client.close() }
            global.output.emit(
                "Created \(user) (device \(device)) on \(server); store in \(global.storeDirectory).",
                ["event": "created", "user": user, "device": Int(device), "server": server, "store": global.storeDirectory])
        }
    }
}

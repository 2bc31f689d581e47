import ArgumentParser
import ParleyClient

/// `parley devices`: this account's certified devices.
struct DevicesCommand: ClientCommand {
    static let configuration = CommandConfiguration(commandName: "devices", abstract: "List this account's certified devices.")

    @OptionGroup var local: GlobalOptions
    @ParentCommand var parent: ParleyCommand

    @Option(
        help: "Remove this device from the account (removing the last one deletes the account and frees the user id).")
    var remove: UInt32?

    func run(with client: ParleyClient) async throws {
        if let remove {
            try await client.removeDevice(remove)
            global.output.emit(
                "Removed device \(remove) of \(client.user).",
                ["event": "removed", "user": client.user, "device": Int(remove)])
            return
        }
        for device in try await client.ownDevices() {
            let marker = device.id == client.device ? " (this device)" : ""
            global.output.emit(
                "device \(device.id)  \(device.fingerprint)\(marker)",
                ["device": Int(device.id), "fingerprint": device.fingerprint, "this_device": device.id == client.device])
        }
    }
}

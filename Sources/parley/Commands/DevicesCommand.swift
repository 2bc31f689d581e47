import ArgumentParser
import ParleyClient

/// `parley devices`: this account's certified devices.
struct DevicesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "devices", abstract: "List this account's certified devices.")

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        try await CommandRunner.run {
            let client = try await global.openClient()
            defer { try? client.close() }
            for device in try await client.ownDevices() {
                let marker = device.id == client.device ? " (this device)" : ""
                global.output.emit(
                    "device \(device.id)  \(device.fingerprint)\(marker)",
                    ["device": Int(device.id), "fingerprint": device.fingerprint, "this_device": device.id == client.device])
            }
        }
    }
}

import ArgumentParser
import ParleyClient

/// `parley status`: who this device is, and what waits.
struct StatusCommand: ClientCommand {
    static let configuration = CommandConfiguration(commandName: "status", abstract: "Show this device's account and server.")

    @OptionGroup var local: GlobalOptions
    @ParentCommand var parent: ParleyCommand

    func run(with client: ParleyClient) async throws {
        let status = try await client.status()
        let (state, stateText) = Self.describe(status.server)
        global.output.emit(
            """
            user:      \(client.user) (device \(client.device))
            server:    \(client.serverURL) (\(stateText))
            outbox:    \(status.outboxCount) waiting
            prekeys:   \(status.oneTimePreKeysOnServer.map(String.init) ?? "?") one-time prekeys on the server
            """,
            [
                "user": client.user, "device": Int(client.device), "server": client.serverURL,
                "server_reachable": status.serverReachable, "server_state": state, "outbox": status.outboxCount,
                "one_time_prekeys": status.oneTimePreKeysOnServer ?? -1,
            ])
    }

    /// The JSON name and the sentence for how the server answered.
    static func describe(_ state: ParleyClient.ServerState) -> (String, String) {
        switch state {
        case .ready: ("ready", "reachable")
        case .unreachable: ("unreachable", "unreachable")
        case .deviceUnknown:
            ("device_unknown", "reachable, but it does not know this device: it was removed, or its link is not finished")
        case .failing(let reason): ("failing", "reachable, but failing: \(reason)")
        }
    }
}

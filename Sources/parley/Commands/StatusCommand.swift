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
            prekeys:   \(Self.count(status.oneTimePreKeysOnServer)) one-time, \(Self.count(status.pqOneTimePreKeysOnServer)) post-quantum one-time on the server
            key ages:  signed prekey \(Self.age(status.signedPreKeyAgeSeconds)), post-quantum last-resort prekey \(Self.age(status.pqLastResortAgeSeconds))
            """,
            [
                "user": client.user, "device": Int(client.device), "server": client.serverURL,
                "server_reachable": status.serverReachable, "server_state": state, "outbox": status.outboxCount,
                "one_time_prekeys": status.oneTimePreKeysOnServer ?? -1,
                "pq_one_time_prekeys": status.pqOneTimePreKeysOnServer ?? -1,
                "signed_prekey_age_s": status.signedPreKeyAgeSeconds.map(Int.init) ?? -1,
                "pq_last_resort_age_s": status.pqLastResortAgeSeconds.map(Int.init) ?? -1,
            ])
    }

    /// A count from the server, or "?" when it did not answer.
    static func count(_ value: Int?) -> String { value.map(String.init) ?? "?" }

    /// An age in the largest whole unit (days, hours, minutes, seconds), or "?" when unknown.
    static func age(_ seconds: Int64?) -> String {
        guard let seconds else { return "?" }
        if seconds >= 86400 { return "\(seconds / 86400) d" }
        if seconds >= 3600 { return "\(seconds / 3600) h" }
        if seconds >= 60 { return "\(seconds / 60) min" }
        return "\(seconds) s"
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

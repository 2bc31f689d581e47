import ArgumentParser
import Foundation
import ParleyClient

/// `parley history USER`: the stored conversation.
struct HistoryCommand: ClientCommand {
    static let configuration = CommandConfiguration(commandName: "history", abstract: "Show the conversation with a user.")

    @OptionGroup var local: GlobalOptions
    @ParentCommand var parent: ParleyCommand

    @Argument(help: "The other user's id.")
    var user: String

    @Option(help: "Show at most this many of the latest messages.")
    var limit = 1000

    func run(with client: ParleyClient) async throws {
        let output = global.output
        for entry in try await client.history(with: user, limit: limit) {
            let who = entry.direction == .incoming ? "\(entry.peer.user)" : "me"
            let time = Self.format(entry.time)
            guard let content = entry.content else {
                output.emit(
                    "\(output.dim(time)) \(who): \(output.warn("[could not decrypt: \(entry.failureReason ?? "?")]"))",
                    [
                        "direction": entry.direction.rawValue, "time": entry.time, "state": "failed",
                        "reason": entry.failureReason ?? "",
                    ])
                continue
            }
            let (text, fields) = output.describe(content)
            let state = entry.direction == .outgoing ? output.dim(" (\(entry.state.rawValue))") : ""
            output.emit(
                "\(output.dim(time)) \(output.bold(who)): \(text)\(state)",
                ["direction": entry.direction.rawValue, "time": entry.time, "state": entry.state.rawValue].merging(fields) {
                    $1
                })
        }
    }

    static func format(_ milliseconds: Int64) -> String {
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: Date(timeIntervalSince1970: Double(milliseconds) / 1000))
    }
}

import Foundation
import ParleyClient
import ParleyStore

/// Human text (coloured only on a terminal) or JSON lines.
struct Output: Sendable {
    let json: Bool
    let colour = isatty(STDOUT_FILENO) == 1 && ProcessInfo.processInfo.environment["NO_COLOR"] == nil

    /// Prints `text` for people, or `object` as one JSON line.
    func emit(_ text: String, _ object: [String: any Sendable]) {
        if json {
            let data =
                (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
            Self.line(TerminalText.jsonSafe(String(decoding: data, as: UTF8.self)))
        } else {
            Self.line(text)
        }
    }

    /// Writes one line to stdout unbuffered, so that live output and pipes see it at once.
    static func line(_ text: String) {
        FileHandle.standardOutput.write(Data((text + "\n").utf8))
    }

    func bold(_ text: String) -> String { colour ? "\u{1B}[1m\(text)\u{1B}[0m" : text }
    func dim(_ text: String) -> String { colour ? "\u{1B}[2m\(text)\u{1B}[0m" : text }
    func warn(_ text: String) -> String { colour ? "\u{1B}[33m\(text)\u{1B}[0m" : text }

    /// One received event, as `parley sync` and `parley chat` show it.
    func show(_ event: ClientEvent) {
        switch event {
        case .message(let message):
            let arrow =
                message.direction == .incoming
                ? "\(TerminalText.escaped(message.sender.user)) ->" : "-> \(TerminalText.escaped(message.conversation))"
            let warning = message.trustWarning ? warn(" [safety number changed]") : ""
            let (text, fields) = describe(message.content)
            emit(
                "\(bold(arrow)) \(text)\(warning)",
                [
                    "event": "message", "conversation": message.conversation, "from": message.sender.description,
                    "direction": message.direction.rawValue, "id": message.id.description, "sent_at": message.sentAt,
                    "trust_warning": message.trustWarning,
                ].merging(fields) { $1 })
        case .delivered(let user, let ids):
            emit(
                dim("delivered to \(TerminalText.escaped(user)): \(ids.count) message(s)"),
                ["event": "delivered", "user": user, "count": ids.count])
        case .undecryptable(let sender, let reason):
            emit(
                warn("could not read a message from \(sender): \(TerminalText.escaped(reason))"),
                ["event": "undecryptable", "from": sender.description, "reason": reason])
        case .deliveryDeferred(let recipient, let reason):
            emit(
                warn("messages to \(recipient) wait in the outbox: \(TerminalText.escaped(reason.description))"),
                ["event": "deferred", "to": recipient.description, "reason": reason.description])
        case .warning(let text):
            emit(warn(TerminalText.escaped(text)), ["event": "warning", "message": text])
        }
    }

    func describe(_ content: MessageContent) -> (String, [String: any Sendable]) {
        switch content {
        case .text(let text):
            return (TerminalText.escaped(text), ["text": text])
        case .file(let name, let size, let savedAt, let error):
            var fields: [String: any Sendable] = ["file": name, "size": size]
            if let savedAt { fields["saved_at"] = savedAt }
            if let error { fields["error"] = error }
            let location =
                savedAt.map { " saved to \(TerminalText.escaped($0))" } ?? error.map { " not saved: \(TerminalText.escaped($0))" }
                ?? ""
            return ("[file] \(TerminalText.escaped(name)) (\(size) bytes)\(location)", fields)
        }
    }
}

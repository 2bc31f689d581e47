import ParleyPayload

/// What other people wrote (messages, file names) and what servers said (error messages), made
/// safe to print on a terminal: every control or bidirectional formatting character
/// (``DisplayControls``) is shown as its escape, `\u{1B}`, instead of acting on the screen, and
/// a backslash as `\\`, so that an escape in the output always means one in the text. Without
/// it a message could move the cursor, draw a fake line ("bank -> Your account is locked"),
/// retitle the window or reorder what follows.
enum TerminalText {
    static func escaped(_ text: String) -> String {
        var out = ""
        out.unicodeScalars.reserveCapacity(text.unicodeScalars.count)
        for scalar in text.unicodeScalars {
            if scalar == "\\" {
                out += "\\\\"
            } else if DisplayControls.contains(scalar) {
                out += "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// A JSON text with every ``DisplayControls`` character that JSON leaves raw (C1 controls,
    /// DEL, bidirectional formatting) written as a `\uXXXX` escape: the same JSON value, safe
    /// to show on a terminal. JSON already escapes C0 controls.
    static func jsonSafe(_ json: String) -> String {
        var out = ""
        for scalar in json.unicodeScalars {
            if DisplayControls.contains(scalar) {
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}

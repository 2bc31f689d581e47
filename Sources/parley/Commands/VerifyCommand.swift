import ArgumentParser
import ParleyClient

/// `parley verify USER`: show the safety number; with --confirm, mark the contact verified.
struct VerifyCommand: ClientCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Show the safety number with a user; --confirm marks them verified (and accepts a changed key).")

    @OptionGroup var local: GlobalOptions
    @ParentCommand var parent: ParleyCommand

    @Argument(help: "The other user's id.")
    var user: String

    @Flag(help: "You compared the numbers and they match: mark the contact verified.")
    var confirm = false

    @Option(help: "The text scanned from the other side (parley-safety:…): say whether it matches.")
    var scanned: String?

    func run(with client: ParleyClient) async throws {
        let number = try await client.safetyNumber(with: user)
        let output = global.output
        output.emit(
            "Safety number with \(user):\n" + number.lines.map { "  " + $0 }.joined(separator: "\n")
                + "\nScannable: \(number.scannablePayload)",
            ["user": user, "safety_number": number.digits, "scannable": number.scannablePayload])
        if let scanned {
            let matches: Bool
            do {
                matches = try number.matches(scanned: scanned)
            } catch {
                throw ValidationError("That is not a scanned Parley safety code.")
            }
            output.emit(
                matches ? "The scanned code matches." : "The scanned code does NOT match: do not verify \(user).",
                ["event": "scanned", "user": user, "matches": matches])
            if !matches { throw ExitCode.failure }
        }
        if confirm {
            try await client.verify(number)
            output.emit("\(user) is now verified.", ["event": "verified", "user": user])
        }
    }
}

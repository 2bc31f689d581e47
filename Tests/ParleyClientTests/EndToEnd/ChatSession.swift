import Foundation
import ParleyTestSupport

/// A running `parley chat` process: lines can be typed into it and its output watched.
final class ChatSession: @unchecked Sendable {
    private let process = Process()
    private let input = Pipe()
    private let output = Pipe()
    private let lock = NSLock()
    private var printed = ""

    init(_ user: CLIUser, with peer: String) throws {
        process.executableURL = try TestProcesses.builtProduct("parley")
        process.arguments = ["chat", "--store", user.store, peer]
        var environment = ProcessInfo.processInfo.environment
        environment["PARLEY_PASSPHRASE"] = user.passphrase
        environment["NO_COLOR"] = "1"
        process.environment = environment
        process.standardInput = input
        process.standardOutput = output
        process.standardError = output
        output.fileHandleForReading.readabilityHandler = { [weak self] handle in
            let data = handle.availableData
            guard let self, !data.isEmpty else { return }
            self.lock.withLock { self.printed += String(decoding: data, as: UTF8.self) }
        }
        try process.run()
    }

    /// Waits until the output contains `text` (polled every 50 ms, at most 60 s).
    func waitForOutput(containing text: String) async throws -> Bool {
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            if lock.withLock({ printed.contains(text) }) { return true }
            try await Task.sleep(for: .milliseconds(50))
        }
        return false
    }

    /// Types `text` (end lines with "\n").
    func type(_ text: String) { input.fileHandleForWriting.write(Data(text.utf8)) }

    /// Ends the input (Ctrl-D) and waits for the exit status.
    func finish() -> Int32 {
        try? input.fileHandleForWriting.close()
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// Stops the process if it still runs.
    func close() {
        if process.isRunning { process.terminate() }
        output.fileHandleForReading.readabilityHandler = nil
    }
}

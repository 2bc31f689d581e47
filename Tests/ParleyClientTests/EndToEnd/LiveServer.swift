import Foundation
import ParleyTestSupport

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

#if canImport(Glibc)
    import Glibc
#endif

/// A `parley-server` child process on a loopback port with a SQLite database in a scratch
/// folder; it can be stopped and started again on the same port and database.
final class LiveServer: @unchecked Sendable {
    /// The port: chosen by the kernel at the first start (the server binds port 0 and says which
    /// port it got), the same one at every restart.
    private(set) var port = 0
    let folder: String
    private var process: Process?

    var url: String { "http://127.0.0.1:\(port)" }

    /// Extra `parley-server` flags (limits, say).
    let extraArguments: [String]

    init(folder: String, extraArguments: [String] = []) throws {
        self.folder = folder
        self.extraArguments = extraArguments
    }

    /// Starts the server and waits until it says it listens (at most 180 s: a loaded machine may
    /// take many seconds to start a process); fails at once if it exits first.
    func start() async throws {
        let process = Process()
        process.executableURL = try TestProcesses.builtProduct("parley-server")
        process.arguments =
            [
                "--listen", "127.0.0.1:\(port)", "--database", "sqlite:\(folder)/server.sqlite", "--data-dir", "\(folder)/data",
                "--log-level", "error", "--metrics-listen", "127.0.0.1:0",
            ] + extraArguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        self.process = process
        let announcement = ListeningAnnouncement(reading: output.fileHandleForReading)
        let pid = process.processIdentifier
        let watchdog = Task {
            try await Task.sleep(for: .seconds(180))
            kill(pid, SIGKILL)
        }
        defer { watchdog.cancel() }
        guard let bound = await announcement.port(), port == 0 || bound == port else {
            stop()
            throw LiveServerError.didNotStart
        }
        port = bound
    }

    /// SIGKILL (nothing gets to shut down cleanly), then reap.
    func stop() {
        guard let process, process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        self.process = nil
    }
}

enum LiveServerError: Error {
    case didNotStart
}

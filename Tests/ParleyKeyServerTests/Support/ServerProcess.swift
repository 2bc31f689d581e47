import Foundation
import ParleyTestSupport

#if canImport(Glibc)
    import Glibc
#endif

enum ServerProcessError: Error {
    /// The process exited, or did not say it listens within the limit (it was then killed).
    case didNotStart
    /// It listens on another port than the one the test asked for.
    case unexpectedPort(Int)
}

/// A `parley-server` child process (the binary built next to the test bundle).
///
/// Readiness is an event, not a guess: the server prints `parley-server listening on URL` once its
/// socket is bound, and ``waitUntilListening(within:)`` reads that line from the child's standard
/// output. By default the server binds port 0, so the kernel picks a free port and no other test's
/// socket can take it between choosing and binding.
struct ServerProcess {
    private var process: Process?
    private let announcement: ListeningAnnouncement

    /// Starts `parley-server` on 127.0.0.1:`port` (0: a port the kernel chooses).
    /// - Parameters:
    ///   - extraArguments: more flags, after the default ones.
    ///   - errorLog: a file that receives the server's stderr (else it is discarded).
    ///   - fileLimit: the process's limit on open files (`ulimit -n` in a shell that then execs it).
    init(
        port: Int = 0, database: String, dataDirectory: String, extraArguments: [String] = [], errorLog: URL? = nil,
        fileLimit: Int? = nil
    ) throws {
        let binary = try TestProcesses.builtProduct("parley-server")
        let process = Process()
        process.executableURL = binary
        // Send limits out of the way: the load must still be running when the kill lands.
        process.arguments =
            [
                "--listen", "127.0.0.1:\(port)", "--database", database, "--data-dir", dataDirectory, "--log-level", "error",
                "--send-burst", "100000", "--send-per-minute", "1000000",
            ] + (extraArguments.contains("--metrics-listen") ? [] : ["--metrics-listen", "127.0.0.1:0"]) + extraArguments
        if let fileLimit {
            // `exec` keeps the process id: kill() still reaches the server.
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            process.arguments = ["-c", "ulimit -n \(fileLimit) && exec \"$0\" \"$@\"", binary.path] + (process.arguments ?? [])
        }
        let output = Pipe()
        process.standardOutput = output
        if let errorLog {
            guard FileManager.default.createFile(atPath: errorLog.path, contents: nil) else {
                throw CocoaError(.fileWriteUnknown)
            }
            process.standardError = try FileHandle(forWritingTo: errorLog)
        } else {
            process.standardError = FileHandle.nullDevice
        }
        try process.run()
        self.process = process
        self.announcement = ListeningAnnouncement(reading: output.fileHandleForReading)
    }

    /// Waits until the server has bound its socket (at most `limit`: generous, since a loaded
    /// machine may take many seconds to start a process); fails at once if it exits first.
    /// - Returns: the port it listens on.
    mutating func waitUntilListening(within limit: Duration = .seconds(180)) async throws -> Int {
        guard let process else { throw ServerProcessError.didNotStart }
        let pid = process.processIdentifier
        // The bound on the wait: kill the child, which ends its output and so the read below.
        let watchdog = Task {
            try await Task.sleep(for: limit)
            Glibc.kill(pid, SIGKILL)
        }
        defer { watchdog.cancel() }
        guard let port = await announcement.port() else {
            kill()
            throw ServerProcessError.didNotStart
        }
        return port
    }

    /// Waits until the server listens on `client`'s port (a restart on a fixed port).
    mutating func waitUntilReady(_ client: ExternalClient, within limit: Duration = .seconds(180)) async throws {
        let port = try await waitUntilListening(within: limit)
        guard port == client.port else {
            kill()
            throw ServerProcessError.unexpectedPort(port)
        }
    }

    /// Waits (at most `limit`) for the process to exit by itself.
    /// - Returns: its exit status, or nil when it is still running.
    mutating func exitStatus(within limit: Duration) async throws -> Int32? {
        guard let process else { return nil }
        let deadline = ContinuousClock.now.advanced(by: limit)
        while process.isRunning, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
        guard !process.isRunning else { return nil }
        self.process = nil
        return process.terminationStatus
    }

    /// SIGTERM, then waits (at most `limit`) for the process to exit.
    /// - Returns: its exit status, or nil when it is still running.
    mutating func terminate(within limit: Duration) async throws -> Int32? {
        guard let process, process.isRunning else { return try await exitStatus(within: limit) }
        Glibc.kill(process.processIdentifier, SIGTERM)
        return try await exitStatus(within: limit)
    }

    /// SIGKILL, then reap.
    mutating func kill() {
        guard let process, process.isRunning else { return }
        Glibc.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        self.process = nil
    }
}

import Foundation
import ParleyTestSupport

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

#if canImport(Glibc)
    import Glibc
#endif

/// A `parley-server` child process on a fixed loopback port with a SQLite database in a scratch
/// folder; it can be stopped and started again on the same port and database.
final class LiveServer: @unchecked Sendable {
    let port: Int
    let folder: String
    private var process: Process?

    var url: String { "http://127.0.0.1:\(port)" }

    /// Extra `parley-server` flags (limits, say).
    let extraArguments: [String]

    init(folder: String, extraArguments: [String] = []) throws {
        self.folder = folder
        self.extraArguments = extraArguments
        self.port = try TestProcesses.freeLoopbackPort()
    }

    /// Starts the server and waits until `/health` answers (at most 60 s: a loaded machine may
    /// take seconds to start a process).
    func start() async throws {
        let process = Process()
        process.executableURL = try TestProcesses.builtProduct("parley-server")
        process.arguments =
            [
                "--listen", "127.0.0.1:\(port)", "--database", "sqlite:\(folder)/server.sqlite", "--data-dir", "\(folder)/data",
                "--log-level", "error", "--metrics-listen", "127.0.0.1:0",
            ] + extraArguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        self.process = process
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            if await healthAnswers() { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        stop()
        throw LiveServerError.didNotStart
    }

    /// SIGKILL (nothing gets to shut down cleanly), then reap.
    func stop() {
        guard let process, process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        self.process = nil
    }

    private func healthAnswers() async -> Bool {
        guard let healthURL = URL(string: url + "/health") else { return false }
        return await withCheckedContinuation { continuation in
            var request = URLRequest(url: healthURL)
            request.timeoutInterval = 1
            URLSession.shared.dataTask(with: request) { _, response, _ in
                continuation.resume(returning: (response as? HTTPURLResponse)?.statusCode == 200)
            }.resume()
        }
    }
}

enum LiveServerError: Error {
    case didNotStart
}

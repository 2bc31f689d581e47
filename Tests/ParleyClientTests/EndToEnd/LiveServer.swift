import Foundation

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
        self.port = try Self.freePort()
    }

    /// Starts the server and waits (at most 10 s) until `/health` answers.
    func start() async throws {
        let process = Process()
        process.executableURL = try builtProduct("parley-server")
        process.arguments =
            [
                "--listen", "127.0.0.1:\(port)", "--database", "sqlite:\(folder)/server.sqlite", "--data-dir", "\(folder)/data",
                "--log-level", "error",
            ] + extraArguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        self.process = process
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
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

    /// A free TCP port on 127.0.0.1 (bound once and released).
    static func freePort() throws -> Int {
        let socketFD = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(socketFD) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { generic in
                bind(socketFD, generic, length) == 0 && getsockname(socketFD, generic, &length) == 0
            }
        }
        guard bound else { throw LiveServerError.noFreePort }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

enum LiveServerError: Error {
    case didNotStart
    case noFreePort
    /// Build the products first: `swift build --build-tests` builds every executable.
    case binaryMissing(String)
}

/// An executable of this package, built next to the test bundle.
func builtProduct(_ name: String) throws -> URL {
    let candidates = [
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent(),
        Bundle.main.bundleURL.deletingLastPathComponent(), Bundle.main.bundleURL,
    ].map { $0.appendingPathComponent(name) }
    guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) else {
        throw LiveServerError.binaryMissing(name)
    }
    return found
}

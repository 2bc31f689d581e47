import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The moments at which the child can stop itself (`--stop-at`): the names of
/// `Sources/parley-store-crashtest/CrashTestStage.swift` (a test target cannot import an
/// executable's types; the child refuses a name it does not know, which fails the test).
enum CrashTestStage: String, CaseIterable {
    case setupBegun = "setup-begun"
    case aliceCreated = "alice-created"
    case bobCreated = "bob-created"
    case preKeysSaved = "prekeys-saved"
    case sessionStarted = "session-started"
    case ready
    case inFlight = "in-flight"

    /// The stages inside a first-time setup, in the order the child reaches them.
    static let setup: [CrashTestStage] = [.setupBegun, .aliceCreated, .bobCreated, .preKeysSaved, .sessionStarted]
}

/// The crash test's child, `parley-store-crashtest`, started with posix_spawn so that its pid
/// stays ours (a zombie, not reused) until ``wait(timeout:)`` reaps it: a SIGKILL can only
/// ever reach this child.
struct CrashChildProcess {
    static let executableName = "parley-store-crashtest"

    /// How a child ended.
    enum Termination: Equatable, CustomStringConvertible {
        case exited(Int32)
        case signaled(Int32)
        /// Still running at the deadline (then killed).
        case timedOut

        var description: String {
            switch self {
            case .exited(let code): "exit status \(code)"
            case .signaled(let signal): "signal \(signal)"
            case .timedOut: "still running at the deadline"
            }
        }
    }

    enum SpawnError: Error, CustomStringConvertible {
        case spawn(Int32)
        case wait(Int32)

        var description: String {
            switch self {
            case .spawn(let code): "posix_spawn failed with \(code)"
            case .wait(let code): "waitpid failed with errno \(code)"
            }
        }
    }

    let pid: pid_t

    /// The built child executable, or nil. SwiftPM builds it with every target (`swift build
    /// --build-tests`, `swift test`); a test target cannot depend on an executable target, so
    /// it is looked up next to the test binary (`.build/<triple>/debug/`), then in the package's
    /// `.build/debug/`. `PARLEY_CRASHTEST_CHILD` overrides both.
    static func locate(filePath: String = #filePath) -> String? {
        var candidates: [String] = []
        if let path = ProcessInfo.processInfo.environment["PARLEY_CRASHTEST_CHILD"] { candidates.append(path) }
        if let testBinary = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            candidates.append(sibling(of: testBinary))
        }
        for bundle in Bundle.allBundles where bundle.bundlePath.hasSuffix(".xctest") {
            candidates.append(sibling(of: bundle.bundlePath))
        }
        candidates.append(sibling(of: CommandLine.arguments.first ?? ""))
        let packageRoot = URL(fileURLWithPath: filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        candidates.append(packageRoot.appendingPathComponent(".build/debug/\(executableName)").path)
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    private static func sibling(of path: String) -> String {
        URL(fileURLWithPath: path).deletingLastPathComponent().appendingPathComponent(executableName).path
    }

    /// Starts `executable` with `arguments`, its stdout and stderr appended to `outputPath`.
    static func spawn(_ executable: String, arguments: [String], outputPath: String) throws -> CrashChildProcess {
        #if canImport(Glibc)
            var actions = posix_spawn_file_actions_t()
        #else
            var actions: posix_spawn_file_actions_t?
        #endif
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let argv = ([executable] + arguments).map { strdup($0) }
        let environment = ProcessInfo.processInfo.environment.map { strdup("\($0.key)=\($0.value)") }
        defer {
            for pointer in argv + environment { free(pointer) }
        }
        var pid: pid_t = 0
        let result = (argv + [nil]).withUnsafeBufferPointer { argvBuffer in
            (environment + [nil]).withUnsafeBufferPointer { environmentBuffer in
                guard let argv = argvBuffer.baseAddress, let environment = environmentBuffer.baseAddress else { return EINVAL }
                return posix_spawn(&pid, executable, &actions, nil, argv, environment)
            }
        }
        guard result == 0 else { throw SpawnError.spawn(result) }
        return CrashChildProcess(pid: pid)
    }

    /// Sends SIGKILL (harmless if the child has already exited: it is a zombie until reaped).
    func sendKill() {
        _ = kill(pid, SIGKILL)
    }

    /// Sends SIGCONT to a child that stopped itself.
    func sendContinue() {
        _ = kill(pid, SIGCONT)
    }

    /// What ``waitUntilStopped(timeout:)`` saw.
    enum StopOutcome {
        /// The child stopped itself (SIGSTOP) and waits to be continued or killed.
        case stopped
        /// The child ended instead (reaped).
        case ended(Termination)
    }

    /// Waits until the child stops itself at its `--stop-at` stage, or ends. After `timeout` it
    /// is killed, reaped and reported as ended with ``Termination/timedOut``.
    func waitUntilStopped(timeout: Duration) async throws -> StopOutcome {
        let deadline = ContinuousClock.now + timeout
        var status: Int32 = 0
        while ContinuousClock.now < deadline, !Task.isCancelled {
            let result = waitpid(pid, &status, WNOHANG | WUNTRACED)
            if result == pid { return status & 0xff == 0x7f ? .stopped : .ended(Self.termination(status)) }
            guard result == 0 else { throw SpawnError.wait(errno) }
            try? await Task.sleep(for: .milliseconds(2))
        }
        return .ended(try await wait(timeout: .zero))
    }

    /// Waits for the child to end and reaps it. After `timeout` (or on cancellation) it is
    /// killed, reaped and reported as ``Termination/timedOut``.
    func wait(timeout: Duration) async throws -> Termination {
        let deadline = ContinuousClock.now + timeout
        var status: Int32 = 0
        while ContinuousClock.now < deadline, !Task.isCancelled {
            let result = waitpid(pid, &status, WNOHANG)
            if result == pid { return Self.termination(status) }
            guard result == 0 else { throw SpawnError.wait(errno) }
            try? await Task.sleep(for: .milliseconds(5))
        }
        sendKill()
        while waitpid(pid, &status, 0) != pid {
            guard errno == EINTR else { throw SpawnError.wait(errno) }
        }
        return .timedOut
    }

    /// Decodes a waitpid status (WIFEXITED / WEXITSTATUS / WTERMSIG, which Swift does not import).
    private static func termination(_ status: Int32) -> Termination {
        let signal = status & 0x7f
        return signal == 0 ? .exited((status >> 8) & 0xff) : .signaled(signal)
    }
}

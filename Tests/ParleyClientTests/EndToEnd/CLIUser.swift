import Foundation
import ParleyTestSupport

/// One person at a terminal: runs the `parley` executable with their store and passphrase.
struct CLIUser: Sendable {
    let name: String
    let store: String
    var passphrase = "correct horse battery staple"

    /// What one run printed and how it ended.
    struct Run: Sendable {
        let stdout: String
        let stderr: String
        let status: Int32
    }

    /// Runs `parley COMMAND --store STORE ARGS...` with `PARLEY_PASSPHRASE` set.
    func run(_ command: String, _ arguments: [String] = [], stdin: String? = nil) async throws -> Run {
        try await launch(try TestProcesses.builtProduct("parley"), [command, "--store", store] + arguments, stdin: stdin)
    }

    /// Runs `parley ARGS...` exactly as given (with this user's passphrase), with environment
    /// variables set or (nil) removed by `environment`.
    func launchParley(_ arguments: [String], environment: [String: String?] = [:]) async throws -> Run {
        try await launch(try TestProcesses.builtProduct("parley"), arguments, stdin: nil, environment: environment)
    }

    /// Runs a command that must succeed under a Python wrapper that reports the command's own
    /// peak resident size; returns it in KiB (Foundation's Process cannot give one child's rusage).
    func peakMemoryKiB(_ command: String, _ arguments: [String]) async throws -> Int {
        let wrapper = """
            import resource, subprocess, sys
            status = subprocess.run(sys.argv[1:]).returncode
            print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss if status == 0 else -status)
            """
        let result = try await launch(
            URL(fileURLWithPath: "/usr/bin/env"),
            ["python3", "-c", wrapper, try TestProcesses.builtProduct("parley").path, command, "--store", store] + arguments,
            stdin: nil)
        guard result.status == 0, let peak = result.stdout.split(separator: "\n").last.flatMap({ Int($0) }), peak > 0 else {
            throw CLIFailure(command: "\(name): parley \(command) (measured)", result: result)
        }
        return peak
    }

    /// Runs `parley COMMAND --store STORE ARGS...` on a pseudo-terminal, without
    /// `PARLEY_PASSPHRASE`, answering each prompt in turn with the matching line, as a person
    /// typing would (Python's `pty` drives it). Returns everything the terminal showed, in `stdout`.
    func runOnTerminal(_ command: String, _ arguments: [String], answering prompts: [(prompt: String, line: String)])
        async throws -> Run
    {
        let driver = """
            import json, os, pty, select, sys, time
            prompts = json.loads(sys.argv[1])
            os.environ.pop("PARLEY_PASSPHRASE", None)
            pid, fd = pty.fork()
            if pid == 0:
                os.execv(sys.argv[2], sys.argv[2:])
            shown = b""
            def read_some(deadline):
                global shown
                ready, _, _ = select.select([fd], [], [], max(0, deadline - time.time()))
                if not ready:
                    return False
                try:
                    chunk = os.read(fd, 4096)
                except OSError:
                    return False
                shown += chunk
                return bool(chunk)
            answered = {}
            for prompt, line in prompts:
                deadline = time.time() + 60
                while shown.count(prompt.encode()) <= answered.get(prompt, 0) and read_some(deadline):
                    pass
                answered[prompt] = shown.count(prompt.encode())
                os.write(fd, (line + "\\n").encode())
            while read_some(time.time() + 60):
                pass
            _, status = os.waitpid(pid, 0)
            sys.stdout.write(shown.decode("utf-8", "replace"))
            sys.exit(os.waitstatus_to_exitcode(status))
            """
        let answers = String(
            decoding: try JSONSerialization.data(withJSONObject: prompts.map { [$0.prompt, $0.line] }), as: UTF8.self)
        return try await launch(
            URL(fileURLWithPath: "/usr/bin/env"),
            ["python3", "-c", driver, answers, try TestProcesses.builtProduct("parley").path, command, "--store", store]
                + arguments,
            stdin: nil)
    }

    /// Runs `parley COMMAND --store STORE` on a pseudo-terminal without `PARLEY_PASSPHRASE`,
    /// presses Ctrl-C at the passphrase prompt, waits for the process to end and reports what a
    /// person would find: `stdout` is `status=N echo=on|off`, N the exit code (negative: the
    /// signal), `echo` the terminal's echo flag afterwards. The driver keeps its own descriptor of
    /// the terminal open, so its settings can be read after the process is gone.
    func interruptAtPrompt(_ command: String) async throws -> Run {
        let driver = """
            import fcntl, os, select, signal, sys, termios, time
            os.environ.pop("PARLEY_PASSPHRASE", None)
            master, slave = os.openpty()
            pid = os.fork()
            if pid == 0:
                os.setsid()
                fcntl.ioctl(slave, termios.TIOCSCTTY, 0)
                for target in (0, 1, 2):
                    os.dup2(slave, target)
                signal.signal(signal.SIGINT, signal.SIG_DFL)
                os.execv(sys.argv[1], sys.argv[1:])
            shown = b""
            deadline = time.time() + 60
            while b"Passphrase" not in shown and time.time() < deadline:
                ready, _, _ = select.select([master], [], [], 1)
                if ready:
                    shown += os.read(master, 4096)
            echo_at_prompt = bool(termios.tcgetattr(slave)[3] & termios.ECHO)
            os.write(master, b"\\x03")
            _, status = os.waitpid(pid, 0)
            echo = bool(termios.tcgetattr(slave)[3] & termios.ECHO)
            print("prompt_echo=%s status=%d echo=%s" % ("on" if echo_at_prompt else "off", os.waitstatus_to_exitcode(status), "on" if echo else "off"))
            """
        return try await launch(
            URL(fileURLWithPath: "/usr/bin/env"),
            ["python3", "-c", driver, try TestProcesses.builtProduct("parley").path, command, "--store", store], stdin: nil)
    }

    /// Runs the process on a Dispatch thread: waiting for it must not hold one of the few
    /// threads that every other concurrently running test needs for its own timers and I/O.
    private func launch(_ executable: URL, _ arguments: [String], stdin: String?, environment: [String: String?] = [:])
        async throws -> Run
    {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(
                    with: Result { try launchBlocking(executable, arguments, stdin: stdin, environment: environment) })
            }
        }
    }

    private func launchBlocking(
        _ executable: URL, _ arguments: [String], stdin: String?, environment overrides: [String: String?]
    )
        throws -> Run
    {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["PARLEY_PASSPHRASE"] = passphrase
        environment["NO_COLOR"] = "1"
        for (name, value) in overrides { environment[name] = value }
        process.environment = environment
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        let input = Pipe()
        process.standardInput = input
        try process.run()
        if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
        try input.fileHandleForWriting.close()
        let out = output.fileHandleForReading.readDataToEndOfFile()
        let err = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Run(
            stdout: String(decoding: out, as: UTF8.self), stderr: String(decoding: err, as: UTF8.self),
            status: process.terminationStatus)
    }

    /// Runs a command that must succeed and returns its stdout.
    @discardableResult
    func ok(_ command: String, _ arguments: [String] = []) async throws -> String {
        let result = try await run(command, arguments)
        guard result.status == 0 else {
            throw CLIFailure(command: "\(name): parley \(command) \(arguments.joined(separator: " "))", result: result)
        }
        return result.stdout
    }

    /// Creates this user's account on `server` (cheap passphrase stretching for tests).
    func initialize(on server: LiveServer, device: UInt32 = 1) async throws {
        try await ok("init", ["--user", name, "--server", server.url, "--device", String(device), "--kdf", "interactive"])
    }
}

struct CLIFailure: Error, CustomStringConvertible {
    let command: String
    let result: CLIUser.Run
    var description: String { "\(command) exited \(result.status): \(result.stderr)\(result.stdout)" }
}

/// Replaces the parts of CLI output that change from run to run, so that whole outputs can be
/// compared with golden text.
func masked(_ text: String, _ replacements: [(String, String)] = []) -> String {
    var result = text
    for (literal, name) in replacements { result = result.replacingOccurrences(of: literal, with: name) }
    let patterns: [(String, String)] = [
        (#"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}"#, "<time>"),
        (#"127\.0\.0\.1:\d+"#, "<server>"),
    ]
    for (pattern, name) in patterns {
        result = result.replacingOccurrences(of: pattern, with: name, options: .regularExpression)
    }
    return result
}

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The terminal settings to put back if a signal ends the process during a no-echo prompt.
/// Written before the handlers are installed and only read by them (a process has one terminal
/// and one prompt at a time).
private nonisolated(unsafe) var terminalToRestore = termios()

/// Restores the terminal, then lets the signal do what it would have done (end the process):
/// only async-signal-safe calls (tcsetattr, write, signal, raise).
private func restoreTerminalAndResend(_ signalNumber: Int32) {
    _ = tcsetattr(STDIN_FILENO, TCSAFLUSH, &terminalToRestore)
    var newline = UInt8(ascii: "\n")
    _ = write(STDERR_FILENO, &newline, 1)
    _ = signal(signalNumber, SIG_DFL)
    _ = raise(signalNumber)
}

/// Handlers for the signals that end a process from its terminal or from outside (SIGINT,
/// SIGQUIT, SIGHUP, SIGTERM) that restore the terminal's settings first, for the duration of a
/// no-echo prompt; the previous handlers come back with ``uninstall()``.
struct TerminalRestoringSignals {
    static let signals: [Int32] = [SIGINT, SIGQUIT, SIGHUP, SIGTERM]

    private let previous: [(Int32, sighandler_t?)]

    /// Saves `settings` for the handlers and installs them.
    static func install(restoring settings: termios) -> TerminalRestoringSignals {
        terminalToRestore = settings
        return TerminalRestoringSignals(previous: signals.map { ($0, signal($0, restoreTerminalAndResend)) })
    }

    /// Puts the previous handlers back.
    func uninstall() {
        for (number, handler) in previous { _ = signal(number, handler) }
    }
}

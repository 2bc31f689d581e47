import Foundation

/// CPU time (user + system, all threads) a process has used so far, read from Linux's
/// `/proc/PID/stat`; nil where that file is missing or unreadable (other systems, a process that
/// has ended), so that the benchmark reports rates without CPU figures there.
///
/// Both the server and the generator run on the same cores, so their CPU per operation says
/// where a cell's time went, which requests per second alone cannot.
enum ProcessCPU {
    /// CPU time of process `pid` (`nil`: this process).
    static func used(by pid: Int32? = nil) -> Duration? {
        let path = pid.map { "/proc/\($0)/stat" } ?? "/proc/self/stat"
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        return parseStat(text)
    }

    /// `utime + stime` from the text of a `/proc/PID/stat` file. The command name (field 2) is in
    /// parentheses and may hold spaces, so fields are counted from the last `)`: state is the
    /// first after it, utime the 12th and stime the 13th (fields 14 and 15 of proc(5)).
    static func parseStat(_ text: String) -> Duration? {
        guard let close = text.lastIndex(of: ")") else { return nil }
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 12, let user = Int64(fields[11]), let system = Int64(fields[12]) else { return nil }
        let ticksPerSecond = Int64(sysconf(Int32(_SC_CLK_TCK)))
        guard ticksPerSecond > 0 else { return nil }
        let ticks = user + system
        return .seconds(ticks / ticksPerSecond) + .nanoseconds((ticks % ticksPerSecond) * 1_000_000_000 / ticksPerSecond)
    }
}

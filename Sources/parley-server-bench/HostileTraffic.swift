import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A hostile client flooding the server while normal traffic is measured (issue 13's cell): one
/// device fills the victims' mailboxes with junk, another drains their bundles with claims, and
/// idle sockets from a second loopback address (127.0.0.2, so that the per-address cap applies to
/// them and not to the normal clients on 127.0.0.1) hold connections open. Every loop is bounded
/// in count and ends at ``stop()``.
final class HostileTraffic: Sendable {
    /// What the server made of the attack.
    struct Tally: Sendable {
        var junkAccepted = 0
        var junkRefused = 0
        var claimsServed = 0
        var claimsRefused = 0
        var socketsOpened = 0
        var socketsFailed = 0

        var summary: String {
            "junk messages accepted \(junkAccepted), junk requests refused \(junkRefused); claims served \(claimsServed), "
                + "refused \(claimsRefused); idle sockets opened \(socketsOpened) (the server closes those past its per-address "
                + "cap), failed \(socketsFailed)"
        }
    }

    /// Most requests each flooding loop makes, and most idle sockets opened.
    static let requestBound = 200_000
    static let socketBound = 256
    /// Junk messages per mailbox-filling request (tiny bodies, as in the review's attack).
    static let junkPerRequest = 100

    private let tally = Mutex(Tally())
    private let running = Atomic<Bool>(true)
    private let tasks = Mutex<[Task<Void, Never>]>([])
    private let sockets = Mutex<[Int32]>([])

    /// Starts the three attacks on `victims` (their user ids), as `attacker` and `claimer`.
    init(port: Int, victims: [String], attacker: LoadDevice, claimer: LoadDevice) {
        let junk = { (victim: String) -> [String: Any] in
            [
                "messages": Array(
                    repeating: ["user": victim, "device": 1, "body": "AA=="] as [String: Any], count: Self.junkPerRequest)
            ]
        }
        let filler = Task { [self] in
            for step in 0..<Self.requestBound where running.load(ordering: .relaxed) {
                let reply = try? await attacker.call(.put, "/v1/messages", json: junk(victims[step % victims.count]))
                tally.withLock {
                    if reply?.status == 200 { $0.junkAccepted += Self.junkPerRequest } else { $0.junkRefused += 1 }
                }
            }
        }
        let drainer = Task { [self] in
            for step in 0..<Self.requestBound where running.load(ordering: .relaxed) {
                let reply = try? await claimer.call(.post, "/v1/keys/claim", json: ["user": victims[step % victims.count]])
                tally.withLock { if reply?.status == 200 { $0.claimsServed += 1 } else { $0.claimsRefused += 1 } }
            }
        }
        let idler = Task { [self] in
            for _ in 0..<Self.socketBound where running.load(ordering: .relaxed) {
                guard let socket = Self.idleSocket(to: port) else {
                    tally.withLock { $0.socketsFailed += 1 }
                    continue
                }
                sockets.withLock { $0.append(socket) }
                tally.withLock { $0.socketsOpened += 1 }
                try? await Task.sleep(for: .milliseconds(5))
            }
        }
        tasks.withLock { $0 = [filler, drainer, idler] }
    }

    /// Ends the attacks, closes the idle sockets and returns the tally.
    func stop() async -> Tally {
        running.store(false, ordering: .relaxed)
        for task in tasks.withLock({ $0 }) { await task.value }
        for socket in sockets.withLock({ $0 }) { close(socket) }
        return tally.withLock { $0 }
    }

    /// A TCP connection from 127.0.0.2 to 127.0.0.1:`port` that never sends a byte (nil if the
    /// connect fails).
    private static func idleSocket(to port: Int) -> Int32? {
        let socketFD = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socketFD >= 0 else { return nil }
        var local = sockaddr_in()
        local.sin_family = sa_family_t(AF_INET)
        local.sin_addr.s_addr = inet_addr("127.0.0.2")
        var remote = sockaddr_in()
        remote.sin_family = sa_family_t(AF_INET)
        remote.sin_addr.s_addr = inet_addr("127.0.0.1")
        remote.sin_port = in_port_t(UInt16(port).bigEndian)
        let length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let connected =
            withUnsafePointer(to: &local) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socketFD, $0, length) == 0 }
            }
            && withUnsafePointer(to: &remote) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(socketFD, $0, length) == 0 }
            }
        guard connected else {
            close(socketFD)
            return nil
        }
        return socketFD
    }
}

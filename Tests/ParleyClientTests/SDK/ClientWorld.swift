import Foundation
import ParleyCrypto

@testable import ParleyClient

/// A live `parley-server` process and clients made through the SDK, in a scratch folder that
/// is removed afterwards.
struct ClientWorld {
    let server: LiveServer
    let folder: String

    /// Runs `body` with a fresh server; `serverArguments` are added to its command line.
    static func run(serverArguments: [String] = [], _ body: (ClientWorld) async throws -> Void) async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("parley-sdk-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        // Claims limited far above what a test does: the prekey test claims 81 bundles at once.
        let server = try LiveServer(
            folder: folder, extraArguments: ["--claim-burst", "1000", "--claim-target-burst", "1000"] + serverArguments)
        try await server.start()
        defer { server.stop() }
        try await body(ClientWorld(server: server, folder: folder))
    }

    /// Device `device` of `primary`'s user, prepared and linked by `primary`; not synced yet.
    func linkedDevice(of primary: ParleyClient, device: UInt32, folder name: String) async throws -> (ParleyClient, LinkCode) {
        let (linked, code) = try await ParleyClient.prepareLinkedDevice(
            user: primary.user, device: device, server: server.url, storeDirectory: "\(folder)/\(name)",
            passphrase: SecureBytes(copying: Array("pw".utf8)), limits: .minimumForTesting)
        try await primary.link(code)
        return (linked, code)
    }

    /// A new account `user` with its first device (cheap passphrase stretching).
    func client(_ user: String, clock: TestClock? = nil) async throws -> ParleyClient {
        let now: @Sendable () -> Int64
        if let clock {
            now = { clock.now }
        } else {
            now = { ParleyClient.systemNow() }
        }
        return try await ParleyClient.create(
            user: user, server: server.url, storeDirectory: "\(folder)/\(user)",
            passphrase: SecureBytes(copying: Array("pw".utf8)),
            limits: .minimumForTesting, now: now)
    }
}

/// A settable clock for the client's `now`.
final class TestClock: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Int64

    init(_ start: Int64) { value = start }

    var now: Int64 { lock.withLock { value } }

    func advance(by milliseconds: Int64) { lock.withLock { value += milliseconds } }
}

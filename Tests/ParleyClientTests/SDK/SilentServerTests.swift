import Foundation
import ParleyCrypto
import Testing

@testable import ParleyClient

#if canImport(Glibc)
    import Glibc
#endif

/// Issue 12 item 11: a server that accepts connections and never answers. The client says it is
/// connecting after a second (instead of a silent wait) and gives up after the configured timeout.
@Suite("A server that never answers")
struct SilentServerTests {
    /// A loopback socket that listens (the kernel completes connections) but never reads or answers.
    final class SilentListener {
        let socketFD: Int32
        let port: Int

        init() throws {
            let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = 0
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let bound = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                    bind(descriptor, pointer, length) == 0 && listen(descriptor, 16) == 0
                        && getsockname(descriptor, pointer, &length) == 0
                }
            }
            guard descriptor >= 0, bound else {
                close(descriptor)
                throw CocoaError(.fileWriteUnknown)
            }
            socketFD = descriptor
            port = Int(UInt16(bigEndian: address.sin_port))
        }

        deinit { close(socketFD) }
    }

    @Test func theClientSaysItIsConnectingAndGivesUpAtItsTimeout() async throws {
        let listener = try SilentListener()
        let url = "http://127.0.0.1:\(listener.port)"
        let connection = KeyServerConnection(
            baseURL: url,
            signer: RequestSigner(user: "alice", device: 1, key: Ed25519.PrivateKey(random: SystemRandomSource())))
        connection.slowNotice.timeout = .seconds(3)
        let told = Told()
        connection.slowNotice.observe { told.record($0) }
        let start = ContinuousClock.now
        await #expect(throws: ClientError.serverUnreachable(url)) { _ = try await connection.oneTimePreKeyCount() }
        // Well under the 30 s default: the configured timeout ended the wait.
        #expect(ContinuousClock.now - start < .seconds(25))
        #expect(told.urls == [url])
    }

    /// What the notice reported.
    final class Told: @unchecked Sendable {
        private let lock = NSLock()
        private var stored: [String] = []
        var urls: [String] { lock.withLock { stored } }
        func record(_ url: String) { lock.withLock { stored.append(url) } }
    }
}

import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A plain TCP connection to a server on loopback, for requests no HTTP client would send and
/// for watching the server close a connection. Blocking calls run on a Dispatch thread, never on
/// the cooperative pool, and every read is bounded by a deadline.
final class RawConnection: @unchecked Sendable {
    enum Failure: Error {
        case socket(Int32)
    }

    private let fd: Int32
    private let lock = NSLock()
    private var closed = false

    /// Connects to 127.0.0.1:`port` from the loopback address `source` (any of 127.0.0.0/8, so a
    /// test can be a second client address).
    /// - Parameter receiveBuffer: a small kernel receive buffer (bytes), so that a client that
    ///   does not read pushes back on the server soon.
    init(port: Int, from source: String = "127.0.0.1", receiveBuffer: Int32? = nil) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure.socket(errno) }
        if var size = receiveBuffer {
            setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        }
        var local = sockaddr_in()
        local.sin_family = sa_family_t(AF_INET)
        local.sin_addr.s_addr = inet_addr(source)
        var remote = sockaddr_in()
        remote.sin_family = sa_family_t(AF_INET)
        remote.sin_addr.s_addr = inet_addr("127.0.0.1")
        remote.sin_port = in_port_t(UInt16(port).bigEndian)
        let length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &local) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.bind(fd, $0, length) == 0 }
        }
        let connected =
            bound
            && withUnsafePointer(to: &remote) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, length) == 0 }
            }
        guard connected else {
            let code = errno
            Glibc.close(fd)
            throw Failure.socket(code)
        }
        // Reads wake every 200 ms to check their deadline.
        var timeout = timeval(tv_sec: 0, tv_usec: 200_000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit { close() }

    /// Closes the socket (once).
    func close() {
        lock.withLock {
            guard !closed else { return }
            closed = true
            Glibc.close(fd)
        }
    }

    /// Sends `bytes`; false when the connection is gone (no SIGPIPE).
    @discardableResult
    func send(_ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard sent > 0 else { return false }
            offset += sent
        }
        return true
    }

    /// Sends `text` as UTF-8.
    @discardableResult
    func send(_ text: String) -> Bool { send(Array(text.utf8)) }

    /// Ends the sending side (the server reads EOF).
    func shutdownWrite() { shutdown(fd, Int32(SHUT_WR)) }

    /// What a read up to a deadline found.
    struct Reading: CustomStringConvertible {
        /// The bytes read.
        let bytes: [UInt8]
        /// True when the server closed the connection (EOF or reset) before the deadline.
        let closedByServer: Bool

        var text: String { String(decoding: bytes, as: UTF8.self) }

        /// Short, for failure messages (a stream may have read megabytes).
        var description: String { "\(bytes.count) bytes, closedByServer: \(closedByServer)" }
    }

    /// Reads until the server closes the connection, `stop` says enough, or `seconds` passed.
    func read(within seconds: Double, until stop: @escaping @Sendable ([UInt8]) -> Bool = { _ in false }) async -> Reading {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(returning: self.blockingRead(within: seconds, until: stop))
            }
        }
    }

    /// Reads until the end of a response head (`\r\n\r\n`) or the bounds of ``read(within:until:)``.
    func readHead(within seconds: Double) async -> Reading {
        await read(within: seconds) { bytes in
            bytes.count >= 4 && bytes.indices.dropLast(3).contains { bytes[$0...].starts(with: [13, 10, 13, 10]) }
        }
    }

    private func blockingRead(within seconds: Double, until stop: ([UInt8]) -> Bool) -> Reading {
        let deadline = Date().addingTimeInterval(seconds)
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while Date() < deadline {
            let count = chunk.withUnsafeMutableBytes { Glibc.recv(fd, $0.baseAddress, $0.count, 0) }
            if count > 0 {
                bytes += chunk[0..<count]
                if stop(bytes) { return Reading(bytes: bytes, closedByServer: false) }
            } else if count == 0 {
                return Reading(bytes: bytes, closedByServer: true)
            } else if errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR {
                return Reading(bytes: bytes, closedByServer: true)
            }
        }
        return Reading(bytes: bytes, closedByServer: false)
    }
}

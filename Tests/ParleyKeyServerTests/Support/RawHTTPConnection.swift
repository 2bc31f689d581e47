import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A plain TCP connection to a loopback server, for requests no HTTP client would send: a body
/// sent in pieces, or not at all. Every read waits at most `timeoutSeconds`.
final class RawHTTPConnection {
    private let socketFD: Int32

    /// - Parameter source: the local loopback address to connect from (another client address
    ///   for the server's per-address limits), or nil for the kernel's choice (127.0.0.1).
    init(port: Int, timeoutSeconds: Int = 30, from source: String? = nil) throws {
        socketFD = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socketFD >= 0 else { throw RawHTTPError.connect }
        var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(socketFD, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        if let source {
            var local = sockaddr_in()
            local.sin_family = sa_family_t(AF_INET)
            local.sin_addr.s_addr = inet_addr(source)
            let bound = withUnsafePointer(to: &local) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    Glibc.bind(socketFD, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
            guard bound == 0 else {
                close(socketFD)
                throw RawHTTPError.connect
            }
        }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(socketFD, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else {
            close(socketFD)
            throw RawHTTPError.connect
        }
    }

    deinit { close(socketFD) }

    /// Sends all of `bytes`; false when the server closed the connection.
    @discardableResult
    func send(_ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { Glibc.send(socketFD, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard sent > 0 else { return false }
            offset += sent
        }
        return true
    }

    /// Whether the server has sent something (or closed) without blocking.
    func hasAnswer() -> Bool {
        var probe = pollfd(fd: socketFD, events: Int16(POLLIN), revents: 0)
        return poll(&probe, 1, 0) > 0
    }

    /// The status code of the response, read until the head ends; nil when nothing came before
    /// the timeout or the connection closed first.
    func responseStatus() -> (status: Int, text: String)? {
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while received.count < 65_536 {
            let count = recv(socketFD, &buffer, buffer.count, 0)
            guard count > 0 else { break }
            received += buffer[0..<count]
            let text = String(decoding: received, as: UTF8.self)
            if let end = text.range(of: "\r\n\r\n") {
                // Also the body, when it is there already (error bodies are small).
                let head = String(text[..<end.lowerBound])
                let parts = head.split(separator: " ", maxSplits: 2)
                guard parts.count >= 2, let status = Int(parts[1]) else { return nil }
                if !text[end.upperBound...].isEmpty || count < buffer.count { return (status, text) }
            }
        }
        let text = String(decoding: received, as: UTF8.self)
        let parts = text.split(separator: " ", maxSplits: 2)
        guard parts.count >= 2, let status = Int(parts[1]) else { return nil }
        return (status, text)
    }
}

enum RawHTTPError: Error {
    case connect
}

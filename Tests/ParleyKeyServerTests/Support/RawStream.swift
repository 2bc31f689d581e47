import Foundation
import ParleyKeyServer
import ParleyTestSupport

/// `GET /v1/stream` by hand over a ``RawConnection``: the signed upgrade request and the text
/// frames the server pushes (unmasked, as a server sends them).
enum RawStream {
    /// The upgrade request for `device`, signed with `clock`'s time.
    static func upgradeRequest(as device: TestDevice, clock: TestClock) -> String {
        let stamp = String(clock.now())
        let input = RequestSignature.signingInput(method: "GET", pathWithQuery: "/v1/stream", timestamp: stamp, body: [])
        return "GET /v1/stream HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
            + "Parley-Device: \(device.address)\r\nParley-Timestamp: \(stamp)\r\n"
            + "Parley-Signature: \(b64(device.key.signature(for: input)))\r\n\r\n"
    }

    /// Opens a stream for `device` on 127.0.0.1:`port`.
    /// - Returns: the connection and the response head the server sent.
    static func open(port: Int, as device: TestDevice, clock: TestClock, receiveBuffer: Int32? = nil) async throws
        -> (RawConnection, RawConnection.Reading)
    {
        let connection = try RawConnection(port: port, receiveBuffer: receiveBuffer)
        connection.send(upgradeRequest(as: device, clock: clock))
        return (connection, await connection.readHead(within: 30))
    }

    /// The payloads of the complete text frames in `bytes` after the response head.
    static func texts(in bytes: [UInt8]) -> [String] {
        guard let end = headEnd(bytes) else { return [] }
        var texts: [String] = []
        var index = end
        while index + 2 <= bytes.count {
            let opcode = bytes[index] & 0x0F
            var length = Int(bytes[index + 1] & 0x7F)
            var offset = index + 2
            if length == 126 {
                guard offset + 2 <= bytes.count else { break }
                length = Int(bytes[offset]) << 8 | Int(bytes[offset + 1])
                offset += 2
            } else if length == 127 {
                guard offset + 8 <= bytes.count else { break }
                length = bytes[offset..<offset + 8].reduce(0) { $0 << 8 | Int($1) }
                offset += 8
            }
            guard offset + length <= bytes.count else { break }
            if opcode == 1 { texts.append(String(decoding: bytes[offset..<offset + length], as: UTF8.self)) }
            index = offset + length
        }
        return texts
    }

    /// The index after the first `\r\n\r\n`.
    static func headEnd(_ bytes: [UInt8]) -> Int? {
        guard bytes.count >= 4 else { return nil }
        return (0...(bytes.count - 4)).first { bytes[$0..<$0 + 4].elementsEqual([13, 10, 13, 10]) }.map { $0 + 4 }
    }
}

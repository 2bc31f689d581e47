import Hummingbird
import NIOCore

/// A whole HTTP/1.1 error response as bytes, written below the HTTP encoder by the connection
/// handlers that answer before (or instead of) the router: a request that is not HTTP, headers
/// that never complete, a refused stream upgrade. Always `Connection: close`.
enum RawErrorResponse {
    /// `error`'s status line, JSON body (Specs/server-api.md §3) and `Connection: close`.
    static func bytes(for error: ServerError, allocator: ByteBufferAllocator) -> ByteBuffer {
        let body = error.jsonBody
        var head = "HTTP/1.1 \(error.status.code) \(error.status.reasonPhrase)\r\n"
        head += "Content-Type: application/json\r\nContent-Length: \(body.count)\r\nConnection: close\r\n"
        if case .rateLimited(let seconds) = error { head += "Retry-After: \(max(1, seconds))\r\n" }
        head += "\r\n"
        var buffer = allocator.buffer(capacity: head.utf8.count + body.count)
        buffer.writeString(head)
        buffer.writeBytes(body)
        return buffer
    }
}

import AsyncHTTPClient
import Foundation
import NIOCore
import ParleyCrypto
import ParleyServerAPI

/// Streamed attachment transfers: files go to and from the server in chunks, never whole in memory.
extension KeyServerConnection {
    /// Chunk size of reads from disk while uploading.
    static let uploadChunkBytes = 64 * 1024

    /// Uploads the file at `path` (`size` bytes, SHA-256 `digest`, computed beforehand because the
    /// signature covers it) and returns the server's attachment id.
    func uploadAttachment(
        fileAt path: String, size: Int64, digest: [UInt8], progress: (@Sendable (Int64, Int64) -> Void)?
    ) async throws -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw ClientError.fileAccess(path) }
        defer { try? handle.close() }
        var request = HTTPClientRequest(url: baseURL + "/v1/attachments")
        request.method = .PUT
        request.headers.add(name: "Content-Type", value: "application/octet-stream")
        sign(&request, pathWithQuery: "/v1/attachments", bodyDigest: digest)
        // The server checks the signature over this digest before it reads the body.
        request.headers.add(name: RequestSignature.contentDigestHeader, value: Hex.encode(digest))
        let chunks = FileChunks(handle: handle, chunkBytes: Self.uploadChunkBytes, total: size, progress: progress)
        request.body = .stream(chunks, length: .known(size))
        let response = try await send(request)
        let body = try await collect(response.body, upTo: 1 << 16)
        if response.status.code == 413 { throw ClientError.attachmentTooLarge(size) }
        try Self.check(status: response.status, body: body)
        guard let answer = try? JSONDecoder().decode(AttachmentResponse.self, from: Data(body)) else {
            throw ClientError.malformedServerResponse("PUT /v1/attachments")
        }
        return answer.id
    }

    /// Downloads attachment `id` into `path` (created or truncated), at most `limit` bytes.
    func downloadAttachment(
        _ id: String, to path: String, limit: Int64, progress: (@Sendable (Int64, Int64) -> Void)?
    ) async throws {
        let pathWithQuery = "/v1/attachments/\(id)"
        var request = HTTPClientRequest(url: baseURL + pathWithQuery)
        request.method = .GET
        sign(&request, pathWithQuery: pathWithQuery, bodyDigest: SHA256.hash([]))
        let response = try await send(request)
        guard response.status.code == 200 else {
            let body = try await collect(response.body, upTo: 1 << 16)
            try Self.check(status: response.status, body: body)
            throw ClientError.malformedServerResponse(pathWithQuery)
        }
        guard FileManager.default.createFile(atPath: path, contents: nil), let output = FileHandle(forWritingAtPath: path)
        else { throw ClientError.fileAccess(path) }
        defer { try? output.close() }
        var received: Int64 = 0
        do {
            for try await buffer in response.body {
                received += Int64(buffer.readableBytes)
                guard received <= limit else { throw ClientError.attachmentCorrupt(id) }
                try output.write(contentsOf: Data(buffer.readableBytesView))
                progress?(received, limit)
            }
        } catch let error as ClientError {
            throw error
        } catch {
            throw ClientError.serverUnreachable(baseURL)
        }
    }
}

/// A file read as a sequence of `ByteBuffer` chunks, reporting progress as they are handed out.
struct FileChunks: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    let handle: FileHandle
    let chunkBytes: Int
    let total: Int64
    let progress: (@Sendable (Int64, Int64) -> Void)?

    struct AsyncIterator: AsyncIteratorProtocol {
        let source: FileChunks
        var sent: Int64 = 0

        mutating func next() async throws -> ByteBuffer? {
            guard let data = try source.handle.read(upToCount: source.chunkBytes), !data.isEmpty else { return nil }
            sent += Int64(data.count)
            source.progress?(sent, source.total)
            return ByteBuffer(bytes: data)
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(source: self) }
}

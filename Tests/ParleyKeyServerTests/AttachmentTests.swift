import Foundation
import HTTPTypes
import Hummingbird
import Logging
import ParleyCrypto
import Testing

@testable import ParleyKeyServer

/// `PUT /v1/attachments` and `GET /v1/attachments/{id}` (Specs/server-api.md §5.5).
@Suite("Attachments")
struct AttachmentTests {
    /// Final attachment files and leftover part files under a data directory.
    static func files(in data: URL) -> (attachments: [String], parts: [String]) {
        let folder = data.appendingPathComponent("attachments")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        let parts = (try? FileManager.default.contentsOfDirectory(atPath: folder.appendingPathComponent("incoming").path)) ?? []
        return (names.filter { $0 != "incoming" }.sorted(), parts)
    }

    /// Bytes that differ from chunk to chunk, so a reordering or a lost chunk shows.
    static func payload(_ count: Int) -> [UInt8] {
        (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ ($0 >> 12)) }
    }

    @Test(arguments: Backend.allCases)
    func roundTripOverLoopback(backend: Backend) async throws {
        let data = temporaryDirectory("parley-attachments")
        defer { try? FileManager.default.removeItem(at: data) }
        try await withServer(backend, setup: .live, dataDirectory: data) { api in
            let (_, alice) = try await api.readyUser("alice")
            let (_, bob) = try await api.readyUser("bob")
            let bytes = Self.payload(3 * 1024 * 1024 + 17)
            let upload = try await api.call(.put, "/v1/attachments", raw: bytes, as: alice)
            #expect(upload.status == 201)
            let id = try #require(upload.json["id"] as? String)
            #expect(id.count == 64)
            #expect(Self.files(in: data).attachments == [id])
            #expect(Self.files(in: data).parts.isEmpty)
            let download = try await api.call(.get, "/v1/attachments/\(id)", as: bob)
            #expect(download.status == 200)
            #expect(download.contentType == "application/octet-stream")
            #expect(download.body == bytes)
            // Two uploads of the same bytes get different ids.
            let again = try await api.call(.put, "/v1/attachments", raw: bytes, as: alice)
            #expect(again.json["id"] as? String != id)
        }
    }

    @Test(arguments: Backend.allCases)
    func sizeLimit(backend: Backend) async throws {
        let data = temporaryDirectory("parley-attachments")
        defer { try? FileManager.default.removeItem(at: data) }
        var limits = ServerLimits()
        limits.maxAttachmentBytes = 1024 * 1024
        try await withServer(backend, limits: limits, dataDirectory: data) { api in
            let (_, alice) = try await api.readyUser("alice")
            #expect(try await api.call(.put, "/v1/attachments", raw: Self.payload(1024 * 1024), as: alice).status == 201)
            let over = try await api.call(.put, "/v1/attachments", raw: Self.payload(1024 * 1024 + 1), as: alice)
            #expect(over.status == 413)
            #expect(over.errorCode == "body_too_large")
            #expect(Self.files(in: data).attachments.count == 1)
            #expect(Self.files(in: data).parts.isEmpty)
        }
    }

    @Test func streamedBodyOverTheLimitIsCutOff() async throws {
        // No Content-Length to reject early: the counting stream stops the upload.
        let data = temporaryDirectory("parley-attachments")
        defer { try? FileManager.default.removeItem(at: data) }
        let store = AttachmentStore(dataDirectory: data.path)
        let chunks = (0..<8).map { _ in ByteBuffer(bytes: Self.payload(1000)) }
        let body = RequestBody(asyncSequence: ChunkSequence(chunks: chunks))
        await #expect(throws: ServerError.bodyTooLarge(limit: 5000)) {
            try await store.receive(
                body, limit: 5000, minimumRate: 1, graceMilliseconds: 60_000, context: LoggerContext(source: LoggerSource()))
        }
        #expect(Self.files(in: data).parts.isEmpty)
    }

    @Test(arguments: Backend.allCases)
    func unknownIDs(backend: Backend) async throws {
        try await withServer(backend) { api in
            let (_, alice) = try await api.readyUser("alice")
            for id in [String(repeating: "0", count: 64), "abc", String(repeating: "G", count: 64), "..%2F..%2Fetc"] {
                let reply = try await api.call(.get, "/v1/attachments/\(id)", as: alice)
                #expect(reply.status == 404, "\(id)")
                #expect(reply.errorCode == "unknown_attachment", "\(id)")
            }
            // Downloads are signed like every request.
            #expect(try await api.call(.get, "/v1/attachments/\(String(repeating: "0", count: 64))").status == 401)
        }
    }

    @Test(arguments: Backend.allCases)
    func expiryWithTheTestClock(backend: Backend) async throws {
        let data = temporaryDirectory("parley-attachments")
        defer { try? FileManager.default.removeItem(at: data) }
        var limits = ServerLimits()
        limits.attachmentTTLMilliseconds = 3_600_000
        let ttlLimits = limits
        try await withServer(backend, limits: limits, dataDirectory: data) { api in
            let (_, alice) = try await api.readyUser("alice")
            let id = try #require(
                try await api.call(.put, "/v1/attachments", raw: [1, 2, 3], as: alice).json["id"] as? String)
            let configuration = KeyServerConfiguration(limits: ttlLimits, clock: api.clock.serverClock, dataDirectory: data.path)
            let expiry = ExpiryService(
                storage: MemoryKeyServerStorage(), attachments: AttachmentStore(dataDirectory: data.path),
                configuration: configuration, logger: Logger(label: "test"))
            api.clock.advance(milliseconds: 3_500_000)
            await expiry.sweep()
            #expect(try await api.call(.get, "/v1/attachments/\(id)", as: alice).body == [1, 2, 3])
            api.clock.advance(milliseconds: 200_000)
            #expect(try await api.call(.get, "/v1/attachments/\(id)", as: alice).errorCode == "unknown_attachment")
            #expect(Self.files(in: data).attachments == [id])
            await expiry.sweep()
            #expect(Self.files(in: data).attachments.isEmpty)
        }
    }

    @Test(arguments: Backend.allCases)
    func badSignatureLeavesNoFile(backend: Backend) async throws {
        let data = temporaryDirectory("parley-attachments")
        defer { try? FileManager.default.removeItem(at: data) }
        try await withServer(backend, dataDirectory: data) { api in
            let (_, alice) = try await api.readyUser("alice")
            let (_, mallory) = try await api.readyUser("mallory")
            let bytes = Self.payload(200_000)
            let forged = try await api.call(.put, "/v1/attachments", raw: bytes, as: alice, signer: mallory)
            #expect(forged.status == 401)
            #expect(forged.errorCode == "auth_bad_signature")
            let unsigned = try await api.call(.put, "/v1/attachments", raw: bytes)
            #expect(unsigned.errorCode == "auth_required")
            // A signature over other bytes than those sent, naming the digest it covers: the
            // body does not have it (refused while streaming, and deleted); naming the digest of
            // the bytes sent: the signature does not verify, and nothing is read.
            let stamp = api.clock.now()
            let input = RequestSignature.signingInput(
                method: "PUT", pathWithQuery: "/v1/attachments", timestamp: String(stamp), body: Self.payload(10))
            var headers = HTTPFields()
            headers[HTTPField.Name("Parley-Device")!] = alice.address
            headers[HTTPField.Name("Parley-Timestamp")!] = String(stamp)
            headers[HTTPField.Name("Parley-Signature")!] = b64(alice.key.signature(for: input))
            let digestName = HTTPField.Name(RequestSignature.contentDigestHeader)!
            headers[digestName] = Hex.encode(SHA256.hash(Self.payload(10)))
            let swapped = try await api.send(.put, "/v1/attachments", headers: headers, body: bytes)
            #expect(swapped.errorCode == "digest_mismatch")
            headers[HTTPField.Name("Parley-Timestamp")!] = String(stamp + 1)
            headers[digestName] = Hex.encode(SHA256.hash(bytes))
            let claimed = try await api.send(.put, "/v1/attachments", headers: headers, body: bytes)
            #expect(claimed.errorCode == "auth_bad_signature")
            #expect(Self.files(in: data).attachments.isEmpty)
            #expect(Self.files(in: data).parts.isEmpty)
        }
    }
}

/// Request bodies in chunks, as a connection delivers them.
private struct ChunkSequence: AsyncSequence, Sendable {
    let chunks: [ByteBuffer]

    struct AsyncIterator: AsyncIteratorProtocol {
        var rest: ArraySlice<ByteBuffer>
        mutating func next() async -> ByteBuffer? { rest.popFirst() }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(rest: chunks[...]) }
}

/// A request context without a connection, for calling file code directly.
private struct LoggerSource: RequestContextSource {
    let logger = Logger(label: "parley-server-tests")
}

private struct LoggerContext: RequestContext {
    typealias Source = LoggerSource
    var coreContext: CoreRequestContextStorage
    init(source: LoggerSource) { coreContext = .init(source: source) }
}

import Foundation
import HTTPTypes
import HummingbirdWSClient
import Logging
import ParleyCrypto
import ParleyServerAPI

/// The `GET /v1/stream` WebSocket: envelopes pushed as they arrive (Specs/server-api.md §5.6).
extension KeyServerConnection {
    /// Largest frame accepted: one envelope of at most 256 KiB in base64 inside JSON.
    static let maxFrameBytes = 1 << 20

    /// Connects and calls `onEnvelope` for each pushed envelope until the socket closes or the
    /// task is cancelled; `onOpen` runs once the upgrade succeeded.
    func stream(
        onOpen: @escaping @Sendable () async -> Void, onEnvelope: @escaping @Sendable (EnvelopeJSON) async -> Void
    ) async throws {
        var headers = HTTPFields()
        for (name, value) in signer.headers(method: "GET", pathWithQuery: "/v1/stream", bodyDigest: SHA256.hash([])) {
            if let field = HTTPField.Name(name) { headers[field] = value }
        }
        let url = baseURL.replacingOccurrences(of: "http://", with: "ws://").replacingOccurrences(
            of: "https://", with: "wss://")
        do {
            _ = try await WebSocketClient.connect(
                url: url + "/v1/stream",
                configuration: WebSocketClientConfiguration(maxFrameSize: Self.maxFrameBytes, additionalHeaders: headers),
                logger: Logger(label: "parley.client.stream")
            ) { inbound, _, _ in
                await onOpen()
                for try await message in inbound.messages(maxSize: Self.maxFrameBytes) {
                    guard case .text(let text) = message,
                        let envelope = try? JSONDecoder().decode(EnvelopeJSON.self, from: Data(text.utf8))
                    else { continue }
                    await onEnvelope(envelope)
                }
            }
        } catch is CancellationError {
            return
        } catch {
            throw ClientError.serverUnreachable(baseURL)
        }
    }
}

import Foundation
import Hummingbird
import HummingbirdWebSocket

extension KeyServerRoutes {
    /// Adds `GET /v1/stream` to the WebSocket router: the upgrade request is signed like every
    /// request (empty body) and refused with the usual 401 otherwise; then each envelope published
    /// for the caller is sent as one text frame `{id, sender_user, sender_device, timestamp, body}`.
    func registerStream(on router: Router<BasicWebSocketRequestContext>) {
        router.ws(
            "/v1/stream",
            shouldUpgrade: { request, _ in
                _ = try await authenticated(request)
                return .upgrade([:])
            },
            onUpgrade: { inbound, outbound, context in
                // Authenticated in shouldUpgrade; the header is the same request's.
                guard let device = try? SignedHeaders(context.request.headers).device else { return }
                try await push(to: device, inbound: inbound, outbound: outbound)
            })
    }

    /// Sends the device's envelopes until the client closes, the subscription ends or shutdown.
    private func push(to device: DeviceAddress, inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter)
        async throws
    {
        let subscription = await notifier.subscribe(device)
        defer { subscription.cancel() }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                // Client frames carry nothing (acks go over HTTP); reading them notices the close.
                for try await _ in inbound {}
            }
            group.addTask {
                for await envelope in subscription.envelopes {
                    guard let json = try? JSONOutput.encoder.encode(EnvelopeJSON(envelope)) else { continue }
                    let frame = String(decoding: json, as: UTF8.self)
                    try await outbound.write(.text(frame))
                }
            }
            // Whichever ends first ends the connection.
            _ = try await group.next()
            group.cancelAll()
        }
    }
}

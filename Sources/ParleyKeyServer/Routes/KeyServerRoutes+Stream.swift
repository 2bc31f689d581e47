import Foundation
import Hummingbird
import HummingbirdWebSocket
import NIOCore

extension KeyServerRoutes {
    /// Adds `GET /v1/stream` to the WebSocket router: the upgrade request is signed like every
    /// request (empty body) and refused with the usual JSON error otherwise (`401`, or
    /// `429 too_many_streams` past ``ConnectionLimits/streamsPerDevice``); then each envelope
    /// published for the caller is sent as one text frame `{id, sender_user, sender_device,
    /// timestamp, body}`, until the client closes, the device is removed, the client falls too
    /// far behind or stops reading (Specs/server-api.md §4.3, §5.6).
    func registerStream(on router: Router<StreamRequestContext>) {
        router.ws(
            "/v1/stream",
            shouldUpgrade: { request, context in
                do {
                    let (caller, _) = try await authenticated(request)
                    let limit = limits.connections.streamsPerDevice
                    guard notifier.subscriptionCount(of: caller.address) < limit else {
                        throw ServerError.tooManyStreams(limit: limit)
                    }
                    context.caller.value = caller
                    return .upgrade([:])
                } catch {
                    // Hummingbird would answer any refusal with an empty 400.
                    await MalformedRequestHandler.refuse(ServerError(mapping: error), on: context.channel)
                    return .dontUpgrade
                }
            },
            onUpgrade: { inbound, outbound, context in
                guard let caller = context.requestContext.caller.value else { return }
                try await push(to: caller, inbound: inbound, outbound: outbound, channel: context.requestContext.channel)
            })
    }

    /// Sends the device's envelopes until the client closes, the subscription ends or shutdown.
    private func push(
        to caller: AuthenticatedDevice, inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter,
        channel: any Channel
    ) async throws {
        guard let subscription = await notifier.subscribe(caller.address, identityKey: caller.identityKey) else {
            // Others opened streams since the upgrade was decided.
            try await channel.close()
            return
        }
        defer { subscription.cancel() }
        // Removed (or replaced) between the upgrade and the subscription: a removal that
        // committed before the subscription existed could not end it.
        guard try await storage.identityKey(of: caller.address) == caller.identityKey else {
            try await channel.close()
            return
        }
        let writeTimeout = Duration.seconds(limits.connections.streamWriteTimeoutSeconds)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                // Client frames carry nothing (acks go over HTTP); reading them notices the close.
                for try await _ in inbound {}
            }
            group.addTask {
                for await envelope in subscription.envelopes {
                    guard let json = try? JSONOutput.encoder.encode(EnvelopeJSON(envelope)) else { continue }
                    let frame = String(decoding: json, as: UTF8.self)
                    // A client that stopped reading is closed on: a close frame would wait for it too.
                    try await Self.write(within: writeTimeout, closing: channel) { try await outbound.write(.text(frame)) }
                }
                // Ended by the notifier (removed, too far behind), not by the client: closed
                // without waiting on a client that may not be reading.
                if !Task.isCancelled { try? await channel.close() }
            }
            // Whichever ends first ends the connection.
            _ = try await group.next()
            group.cancelAll()
        }
    }

    /// Runs `write`; closes `channel` when it has not finished within `limit` (which fails it).
    private static func write(
        within limit: Duration, closing channel: any Channel, _ write: @escaping @Sendable () async throws -> Void
    ) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await write() }
            group.addTask {
                try await Task.sleep(for: limit)
                try? await channel.close()
            }
            defer { group.cancelAll() }
            _ = try await group.next()
        }
    }
}

/// Live receiving while connected: pushed envelopes as they arrive, after a catch-up.
extension ParleyClient {
    /// Opens the push stream, catches up on the mailbox, then handles each pushed envelope until
    /// the task is cancelled or the connection drops (then it throws
    /// ``ClientError/serverUnreachable(_:)``). Each event goes to `onEvent` after it was committed
    /// and acknowledged.
    public func listen(onEvent: @escaping @Sendable (ClientEvent) async -> Void) async throws {
        try await server.stream(
            onOpen: {
                // Connect first, then fetch: nothing can fall between the two.
                do {
                    for event in try await self.sync() { await onEvent(event) }
                } catch {
                    await onEvent(.warning("catching up failed: \(error)"))
                }
            },
            onEnvelope: { envelope in
                do {
                    for event in try await self.process([envelope]) { await onEvent(event) }
                } catch {
                    await onEvent(.warning("\(error)"))
                }
            })
    }
}

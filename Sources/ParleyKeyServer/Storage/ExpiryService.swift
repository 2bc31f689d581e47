import Logging
import ServiceLifecycle

/// Sweeps expired messages (TTL), attachment files (TTL) and replay records at a fixed interval
/// until shutdown.
struct ExpiryService: Service {
    let storage: any KeyServerStorage
    let attachments: AttachmentStore
    let configuration: KeyServerConfiguration
    let logger: Logger

    func run() async throws {
        let interval = Duration.seconds(max(1, configuration.purgeIntervalSeconds))
        while !Task.isCancelled, !Task.isShuttingDownGracefully {
            await sweep()
            // The sleep ends early on graceful shutdown (SIGTERM/SIGINT) or cancellation.
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            } catch {
                return
            }
        }
    }

    /// One sweep at the clock's current time.
    func sweep() async {
        let now = configuration.clock.now()
        do {
            try await storage.purgeExpired(messagesBefore: now - configuration.limits.messageTTLMilliseconds, now: now)
        } catch {
            logger.error("expiry sweep failed", metadata: ["error_type": "\(type(of: error))"])
        }
        let removed = attachments.purgeExpired(
            createdBefore: now - configuration.limits.attachmentTTLMilliseconds, now: now)
        if removed > 0 { logger.info("attachments expired", metadata: ["count": "\(removed)"]) }
    }
}

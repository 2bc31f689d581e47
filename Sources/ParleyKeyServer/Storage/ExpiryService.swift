import Logging
import ServiceLifecycle

/// Sweeps expired messages (TTL) and replay records at a fixed interval until shutdown.
struct ExpiryService: Service {
    let storage: any KeyServerStorage
    let configuration: KeyServerConfiguration
    let logger: Logger

    func run() async throws {
        let interval = Duration.seconds(max(1, configuration.purgeIntervalSeconds))
        while !Task.isCancelled, !Task.isShuttingDownGracefully {
            let now = configuration.clock.now()
            do {
                try await storage.purgeExpired(messagesBefore: now - configuration.limits.messageTTLMilliseconds, now: now)
            } catch {
                logger.error("expiry sweep failed", metadata: ["error_type": "\(type(of: error))"])
            }
            // The sleep ends early on graceful shutdown (SIGTERM/SIGINT) or cancellation.
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            } catch {
                return
            }
        }
    }
}

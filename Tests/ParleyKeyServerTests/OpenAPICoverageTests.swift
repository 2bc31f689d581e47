import Foundation
import Testing

@testable import ParleyKeyServer

/// Specs/openapi.yaml must describe exactly the routes the router serves.
@Suite("OpenAPI file matches the router")
struct OpenAPICoverageTests {
    /// `METHOD /path` pairs under `paths:` (two-space path keys, four-space method keys).
    static func documentedRoutes() throws -> Set<String> {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Specs/openapi.yaml")
        let text = try String(contentsOf: url, encoding: .utf8)
        var routes = Set<String>()
        var inPaths = false
        var currentPath: String?
        let methods: Set<String> = ["get", "put", "post", "delete", "patch", "head", "options"]
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if !line.hasPrefix(" ") && !line.isEmpty {
                inPaths = line == "paths:"
                continue
            }
            guard inPaths else { continue }
            if line.hasPrefix("  /"), line.hasSuffix(":") {
                currentPath = String(line.dropFirst(2).dropLast())
            } else if line.hasPrefix("    "), !line.hasPrefix("     "), line.hasSuffix(":"), let currentPath {
                let key = line.trimmingCharacters(in: .whitespaces).dropLast()
                if methods.contains(String(key)) { routes.insert("\(key.uppercased()) \(currentPath)") }
            }
        }
        return routes
    }

    static func servedRoutes() -> Set<String> {
        let router = buildRouter(configuration: KeyServerConfiguration(), storage: MemoryKeyServerStorage())
        let webSocketRouter = buildWebSocketRouter(
            configuration: KeyServerConfiguration(), storage: MemoryKeyServerStorage(), notifier: InProcessMailboxNotifier())
        return Set(router.routes.map { "\($0.method.rawValue) \($0.path.description)" })
            .union(webSocketRouter.routes.map { "\($0.method.rawValue) \($0.path.description)" })
    }

    @Test func everyServedRouteIsDocumented() throws {
        let documented = try Self.documentedRoutes()
        let served = Self.servedRoutes()
        #expect(served.count == 18)
        #expect(served.subtracting(documented).isEmpty, "missing from openapi.yaml: \(served.subtracting(documented).sorted())")
    }

    @Test func everyDocumentedRouteIsServed() throws {
        let extra = try Self.documentedRoutes().subtracting(Self.servedRoutes())
        #expect(extra.isEmpty, "documented but not served: \(extra.sorted())")
    }

    @Test func everyErrorCodeIsDocumented() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Specs/openapi.yaml")
        let text = try String(contentsOf: url, encoding: .utf8)
        let errors: [ServerError] = [
            .malformedJSON, .invalidUserID, .invalidBase64(field: ""), .invalidKey(field: ""), .invalidCertificate,
            .invalidSignature, .deviceMismatch, .tooManyKeys(limit: 0), .tooManyItems(limit: 0), .invalidParameter(name: ""),
            .emptyMessage, .authenticationRequired, .unknownCallingDevice, .badSignature, .staleTimestamp, .replayedSignature,
            .routeNotFound, .unknownUser, .unknownDevice, .unknownAttachment, .userTaken, .deviceTaken, .preKeyLimit(limit: 0),
            .mailboxFull(limit: 0), .senderQuota(limit: 0), .bodyTooLarge(limit: 0), .messageTooLarge(limit: 0),
            .rateLimited(retryAfterSeconds: 1), .tooManyStreams(limit: 1), .malformedRequest, .headersTooLarge,
            .requestTimeout, .internalError,
        ]
        for error in errors {
            #expect(text.contains(error.code), "\(error.code) not in openapi.yaml")
        }
    }
}

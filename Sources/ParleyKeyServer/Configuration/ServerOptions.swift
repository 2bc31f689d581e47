import Foundation
import NIOCore

/// Parsers for the `parley-server` flags whose syntax is the server's own: `--listen`,
/// `--metrics-listen`, `--database` and `--trusted-proxy`. The executable resolves flag, then
/// environment variable, then default.
public enum ServerOptions {
    /// Environment variable read when `--listen` is absent.
    public static let listenVariable = "PARLEY_LISTEN"
    /// Environment variable read when `--database` is absent.
    public static let databaseVariable = "PARLEY_DATABASE"
    /// Environment variable read when `--data-dir` is absent.
    public static let dataDirectoryVariable = "PARLEY_DATA_DIR"
    /// Environment variable read when `--metrics-listen` is absent.
    public static let metricsListenVariable = "PARLEY_METRICS_LISTEN"
    /// Environment variable read when `--trusted-proxy` is absent: addresses separated by commas.
    public static let trustedProxyVariable = "PARLEY_TRUSTED_PROXY"
    /// Default `--listen`.
    public static let defaultListen = "127.0.0.1:8080"
    /// Default `--metrics-listen`: loopback only, on a port of its own (the port of OpenTelemetry's
    /// Prometheus exporter), so that the totals are never public unless an operator says so.
    public static let defaultMetricsListen = "127.0.0.1:9464"
    /// The `--metrics-listen` value that serves no metrics at all.
    public static let metricsOff = "off"
    /// Default `--data-dir`.
    public static let defaultDataDirectory = "./parley-data"
    /// Default `--database`.
    public static let defaultDatabase = "sqlite:./parley-server.sqlite"

    /// The first of `flag`, `environment[variable]` and `fallback` that is present.
    public static func resolve(_ flag: String?, _ variable: String, in environment: [String: String], default fallback: String)
        -> String
    {
        flag ?? environment[variable] ?? fallback
    }

    /// Parses `HOST:PORT` (an IPv6 host in brackets: `[::1]:8080`).
    /// - Parameters:
    ///   - text: the value.
    ///   - flag: the flag's name, for the sentence.
    /// - Returns: host and port, or nil with a sentence in `ValidationError` style.
    public static func parseListen(_ text: String, flag: String = "--listen") -> Result<(host: String, port: Int), OptionError> {
        guard let colon = text.lastIndex(of: ":") else {
            return .failure(.init("\(flag) must be HOST:PORT, e.g. 127.0.0.1:8080."))
        }
        var host = String(text[..<colon])
        let portText = text[text.index(after: colon)...]
        if host.hasPrefix("["), host.hasSuffix("]") {
            host = String(host.dropFirst().dropLast())
        }
        guard !host.isEmpty, let port = Int(portText), (0...65535).contains(port) else {
            return .failure(.init("\(flag) must be HOST:PORT with a port from 0 to 65535."))
        }
        return .success((host, port))
    }

    /// Parses `--trusted-proxy` values (also `PARLEY_TRUSTED_PROXY`, split at commas): IP literals,
    /// written the way the server sees a peer (`127.0.0.1`, `::1`).
    /// - Returns: the addresses, or a sentence naming the first one that is not an IP address.
    public static func parseTrustedProxies(_ values: [String]) -> Result<Set<String>, OptionError> {
        var addresses: Set<String> = []
        for value in values {
            let text = value.trimmingCharacters(in: .whitespaces)
            guard text.utf8.count <= 64, let address = try? SocketAddress(ipAddress: text, port: 0),
                let canonical = address.ipAddress
            else {
                return .failure(
                    .init("--trusted-proxy must be an IP address such as 127.0.0.1 or ::1 (got \"\(value.prefix(64))\")."))
            }
            addresses.insert(canonical)
        }
        return .success(addresses)
    }

    /// Parses `--database`: `sqlite:PATH` or `postgres://user@host:port/db`.
    public static func parseDatabase(_ text: String) -> Result<DatabaseLocation, OptionError> {
        if text.hasPrefix("sqlite:") {
            let path = String(text.dropFirst("sqlite:".count))
            guard !path.isEmpty else { return .failure(.init("--database sqlite:PATH needs a path.")) }
            return .success(.sqlite(path: path))
        }
        if text.hasPrefix("postgres://") || text.hasPrefix("postgresql://") {
            return .success(.postgres(url: text))
        }
        return .failure(.init("--database must be sqlite:PATH or postgres://user@host:port/db."))
    }
}

/// Where the server keeps its state.
public enum DatabaseLocation: Sendable, Equatable {
    /// An SQLite file.
    case sqlite(path: String)
    /// A PostgreSQL URL (parsed by ``PostgresStorageConfiguration/init(url:)``).
    case postgres(url: String)
}

/// A user-facing sentence about a bad option value.
public struct OptionError: Error, Equatable, CustomStringConvertible {
    /// The sentence.
    public let description: String

    /// Creates one.
    public init(_ description: String) { self.description = description }
}

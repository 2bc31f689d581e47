import Foundation

/// Where and how ``PostgresKeyServerStorage`` connects: parsed from
/// `postgres://user[:password]@host[:port]/database[?sslmode=disable|prefer|require]`.
public struct PostgresStorageConfiguration: Sendable, Equatable {
    /// How the connection uses TLS.
    public enum TLSMode: String, Sendable, Equatable {
        /// Plain TCP (loopback or a trusted network only).
        case disable
        /// TLS when the server offers it, plain otherwise.
        case prefer
        /// TLS or no connection.
        case require
    }

    /// Longest accepted URL; a database URL is short, anything longer is a mistake.
    static let maximumURLLength = 2048
    /// PostgreSQL's identifier limit (NAMEDATALEN - 1).
    static let maximumIdentifierLength = 63

    /// Server host name or address.
    public var host: String
    /// Server port.
    public var port: Int
    /// Role to connect as.
    public var username: String
    /// Password, if the server asks for one.
    public var password: String?
    /// Database name.
    public var database: String
    /// TLS use.
    public var tls: TLSMode
    /// A schema (namespace) to create and use instead of `public`; nil keeps the role's default
    /// search path. Tests give each storage its own schema in one database.
    public private(set) var schema: String?
    /// The LISTEN/NOTIFY channel on which a stored message announces its recipient device.
    public private(set) var notificationChannel: String
    /// Most connections the storage opens (per server process).
    public var maximumConnections: Int
    /// Longest wait, in seconds, for the database to answer at start (the pool itself retries
    /// forever); then start-up fails with ``PostgresStorageError/unreachable(seconds:)``.
    public var startupTimeoutSeconds = 30
    /// Longest wait, in seconds, for the schema lock at start. Servers starting together on one
    /// database take the lock in turn, each holding it while it checks the schema (milliseconds on
    /// an idle host, seconds on a loaded one), so the default is generous; then start-up fails
    /// with ``PostgresStorageError/schemaLockTimedOut(seconds:)``.
    public var schemaLockTimeoutSeconds = 300

    /// Largest accepted start-up wait (a day): anything longer is a mistake.
    public static let maximumStartupWaitSeconds = 86_400

    /// The channel used when none is given.
    public static let defaultNotificationChannel = "parley_mailbox"

    /// Creates a configuration.
    /// - Parameters:
    ///   - host: server host.
    ///   - port: server port.
    ///   - username: role.
    ///   - password: password or nil.
    ///   - database: database name.
    ///   - tls: TLS use.
    ///   - schema: schema to create and use, or nil.
    ///   - notificationChannel: LISTEN/NOTIFY channel.
    ///   - maximumConnections: pool size.
    /// - Throws: ``PostgresStorageError/invalidConfiguration(_:)`` for a schema or channel that is not a
    ///   plain identifier, or a port or pool size out of range.
    public init(
        host: String, port: Int = 5432, username: String, password: String? = nil, database: String, tls: TLSMode = .prefer,
        schema: String? = nil, notificationChannel: String = Self.defaultNotificationChannel, maximumConnections: Int = 16
    ) throws(PostgresStorageError) {
        guard (1...65535).contains(port) else { throw .invalidConfiguration("port out of range") }
        guard !host.isEmpty, !username.isEmpty, !database.isEmpty else {
            throw .invalidConfiguration("host, user and database are required")
        }
        guard (1...1000).contains(maximumConnections) else { throw .invalidConfiguration("pool size out of range") }
        if let schema, !Self.isIdentifier(schema) { throw .invalidConfiguration("schema is not a plain identifier") }
        guard Self.isIdentifier(notificationChannel) else { throw .invalidConfiguration("channel is not a plain identifier") }
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.database = database
        self.tls = tls
        self.schema = schema
        self.notificationChannel = notificationChannel
        self.maximumConnections = maximumConnections
    }

    /// Parses a `postgres://` or `postgresql://` URL.
    /// - Parameter url: the URL, as given to `--database`.
    /// - Throws: ``PostgresStorageError/invalidConfiguration(_:)`` with a reason that never repeats the
    ///   password.
    public init(url: String) throws(PostgresStorageError) {
        guard url.utf8.count <= Self.maximumURLLength else { throw .invalidConfiguration("URL too long") }
        guard url.hasPrefix("postgres://") || url.hasPrefix("postgresql://"), let components = URLComponents(string: url)
        else { throw .invalidConfiguration("not a postgres:// URL") }
        guard let host = components.host, !host.isEmpty else { throw .invalidConfiguration("URL has no host") }
        guard let user = components.user, !user.isEmpty else { throw .invalidConfiguration("URL has no user") }
        let path = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        guard !path.isEmpty, !path.contains("/") else { throw .invalidConfiguration("URL has no database name") }
        var tls = TLSMode.prefer
        for item in components.queryItems ?? [] {
            switch item.name {
            case "sslmode":
                guard let mode = item.value.flatMap(TLSMode.init(rawValue:)) else {
                    throw .invalidConfiguration("sslmode must be disable, prefer or require")
                }
                tls = mode
            default:
                throw .invalidConfiguration("unknown URL parameter")
            }
        }
        try self.init(
            host: host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host,
            port: components.port ?? 5432, username: user, password: components.password, database: path, tls: tls)
    }

    /// This configuration in its own schema, with a notification channel of the same name (so
    /// servers on different schemas of one database do not hear each other).
    /// - Parameter schema: a plain identifier, `[a-z_][a-z0-9_]*`, at most 63 characters.
    /// - Throws: ``PostgresStorageError/invalidConfiguration(_:)`` for any other name.
    public func inSchema(_ schema: String) throws(PostgresStorageError) -> Self {
        guard Self.isIdentifier(schema) else { throw .invalidConfiguration("schema is not a plain identifier") }
        var copy = self
        copy.schema = schema
        copy.notificationChannel = schema
        return copy
    }

    /// True for `[a-z_][a-z0-9_]*` of at most 63 characters: safe to splice into SQL unquoted.
    static func isIdentifier(_ text: String) -> Bool {
        let scalars = Array(text.unicodeScalars)
        guard let first = scalars.first, scalars.count <= maximumIdentifierLength else { return false }
        guard first == "_" || ("a"..."z").contains(first) else { return false }
        return scalars.allSatisfy { $0 == "_" || ("a"..."z").contains($0) || ("0"..."9").contains($0) }
    }
}

/// Failures of the PostgreSQL backend that are not client-caused (HTTP 500 when they reach a route).
public enum PostgresStorageError: Error, Equatable, CustomStringConvertible {
    /// The URL or options do not describe a usable database; the reason never holds a password.
    case invalidConfiguration(String)
    /// A stored row does not hold what the schema promises.
    case corruptRow(column: String)
    /// The database did not answer within this many seconds at start.
    case unreachable(seconds: Int)
    /// Another process held the schema lock for longer than this many seconds at start.
    case schemaLockTimedOut(seconds: Int)
    /// A mailbox notification payload that is not `user/device` (too long or malformed).
    case invalidNotification

    public var description: String {
        switch self {
        case .invalidConfiguration(let reason): "invalid PostgreSQL configuration: \(reason)"
        case .corruptRow(let column): "corrupt row (column \(column))"
        case .unreachable(let seconds): "PostgreSQL did not answer within \(seconds) s"
        case .schemaLockTimedOut(let seconds):
            "gave up after waiting \(seconds) s for the schema lock, which another server starting on this database held; raise the schema lock timeout"
        case .invalidNotification: "malformed mailbox notification"
        }
    }
}

// swift-tools-version:6.0
import PackageDescription

let strictSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny")
]

// MARK: - Encrypted client store (ParleyStore)

let storeDependencies: [Package.Dependency] = [
    .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0")
]
let storeProducts: [Product] = [
    .library(name: "ParleyStore", targets: ["ParleyStore"])
]
let storeTargets: [Target] = [
    // SQLite client store: keys, sessions, contacts, history; everything secret or revealing sealed.
    .target(
        name: "ParleyStore",
        dependencies: ["ParleyProtocol", .product(name: "GRDB", package: "GRDB.swift")],
        swiftSettings: strictSettings
    ),
    // Child process of the store's crash test: a send/receive loop that the test SIGKILLs.
    .executableTarget(
        name: "parley-store-crashtest",
        dependencies: ["ParleyStore", "ParleyVectors", .product(name: "ArgumentParser", package: "swift-argument-parser")],
        swiftSettings: strictSettings
    ),
    .testTarget(
        name: "ParleyStoreTests",
        dependencies: ["ParleyStore", "ParleyVectors"],
        exclude: ["Fixtures"],
        swiftSettings: strictSettings
    ),
]

// MARK: - Key server (ParleyKeyServer, parley-server)

let serverDependencies: [Package.Dependency] = [
    .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
    .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
    .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
    .package(url: "https://github.com/hummingbird-project/hummingbird-websocket", from: "2.8.1"),
    .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
    // GRDB.swift 7.10.0 is declared once, in storeDependencies above (a second declaration of the
    // same package is an error).
]
let serverProducts: [Product] = [
    .library(name: "ParleyKeyServer", targets: ["ParleyKeyServer"]),
    .executable(name: "parley-server", targets: ["parley-server"]),
]
let serverTargets: [Target] = [
    // The key server's wire contract shared by server and clients: user ids, device
    // certificates, the request-signing input. Depends on ParleyCrypto only.
    .target(name: "ParleyServerAPI", dependencies: ["ParleyCrypto"], swiftSettings: strictSettings),
    // The key server: Hummingbird application, directory/mailbox storage (in-memory, SQLite, PostgreSQL).
    .target(
        name: "ParleyKeyServer",
        dependencies: [
            "ParleyCrypto", "ParleyServerAPI",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HTTPTypes", package: "swift-http-types"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "GRDB", package: "GRDB.swift"),
            .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
            .product(name: "PostgresNIO", package: "postgres-nio"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "HummingbirdCore", package: "hummingbird"),
        ],
        swiftSettings: strictSettings
    ),
    .executableTarget(
        name: "parley-server",
        dependencies: [
            "ParleyKeyServer",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ],
        swiftSettings: strictSettings
    ),
    // Bounded load generator for a parley-server on loopback (`make bench-server`).
    .executableTarget(
        name: "parley-server-bench",
        dependencies: [
            "ParleyKeyServer", "ParleyCrypto",
            .product(name: "HummingbirdTesting", package: "hummingbird"),
            .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ],
        swiftSettings: strictSettings
    ),
    .testTarget(
        name: "ParleyKeyServerTests",
        dependencies: [
            "ParleyKeyServer", "ParleyCrypto", "ParleyTestSupport",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdTesting", package: "hummingbird"),
            .product(name: "HTTPTypes", package: "swift-http-types"),
            .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
            .product(name: "PostgresNIO", package: "postgres-nio"),
            .product(name: "Logging", package: "swift-log"),
        ],
        swiftSettings: strictSettings
    ),
]

// MARK: - Client SDK (ParleyClient, parley)

let clientDependencies: [Package.Dependency] = [
    .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
    .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
]
let clientProducts: [Product] = [
    .library(name: "ParleyClient", targets: ["ParleyClient"]),
    .executable(name: "parley", targets: ["parley"]),
]
let clientTargets: [Target] = [
    // The end-to-end formats inside the ratchet: message payloads, ids, attachment pointers.
    // No networking, so that the parser can be fuzzed on its own (Fuzz/build.sh).
    .target(name: "ParleyPayload", dependencies: ["ParleyCrypto", "ParleyServerAPI"], swiftSettings: strictSettings),
    // The messenger SDK: account and devices, trust, sending and receiving through the key server,
    // attachments. Built only on the public APIs of the libraries above.
    .target(
        name: "ParleyClient",
        dependencies: [
            "ParleyCrypto", "ParleyProtocol", "ParleyStore", "ParleyServerAPI", "ParleyPayload",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
            .product(name: "HTTPTypes", package: "swift-http-types"),
            .product(name: "Logging", package: "swift-log"),
        ],
        swiftSettings: strictSettings
    ),
    // The `parley` command-line messenger: a thin layer over ParleyClient.
    .executableTarget(
        name: "parley",
        dependencies: ["ParleyClient", "ParleyPayload", .product(name: "ArgumentParser", package: "swift-argument-parser")],
        swiftSettings: strictSettings
    ),
    .testTarget(
        name: "ParleyClientTests",
        dependencies: [
            "ParleyClient", "ParleyKeyServer", "ParleyTestSupport", .product(name: "HummingbirdTesting", package: "hummingbird"),
            // Only to play a malicious server: the tests edit the stopped server's database.
            .product(name: "GRDB", package: "GRDB.swift"),
        ],
        swiftSettings: strictSettings
    ),
    // Helpers of the test targets that start this package's executables (ports, binaries).
    .target(name: "ParleyTestSupport", path: "Tests/ParleyTestSupport", swiftSettings: strictSettings),
]

// MARK: - Package

let package = Package(
    name: "Parley",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "ParleyCrypto", targets: ["ParleyCrypto"]),
        .library(name: "ParleyProtocol", targets: ["ParleyProtocol"]),
        .executable(name: "parley-vectors", targets: ["parley-vectors"]),
        .executable(name: "parley-bench", targets: ["parley-bench"]),
    ] + storeProducts + serverProducts + clientProducts,
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.6.0"),
        // ML-KEM-1024 (MLKEM1024) for Parley-v2's post-quantum prekeys; only ParleyCrypto imports it.
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
    ] + storeDependencies + serverDependencies + clientDependencies,
    targets: [
        // libsodium through pkg-config; imported by ParleyCrypto only.
        .systemLibrary(
            name: "CSodium",
            pkgConfig: "libsodium",
            providers: [.apt(["libsodium-dev"]), .brew(["libsodium"])]
        ),
        // Primitives: secrets, randomness, HMAC/HKDF, AEAD, X25519, Ed25519, ML-KEM-1024.
        .target(
            name: "ParleyCrypto",
            dependencies: ["CSodium", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: strictSettings
        ),
        // Parley-v1: wire format, X3DH, Double Ratchet, sessions, store protocols.
        .target(name: "ParleyProtocol", dependencies: ["ParleyCrypto"], swiftSettings: strictSettings),
        // Replays TestVectors/ JSON files against ParleyProtocol.
        .target(name: "ParleyVectors", dependencies: ["ParleyProtocol"], swiftSettings: strictSettings),
        .executableTarget(
            name: "parley-vectors",
            dependencies: ["ParleyVectors", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "parley-bench",
            // CSodium, Crypto and GRDB directly, only for the raw-libsodium, raw-MLKEM1024 and
            // raw-SQLite floors the benchmark compares against.
            dependencies: [
                "ParleyProtocol", "ParleyStore", "CSodium", .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "ParleyCryptoTests", dependencies: ["ParleyCrypto"], exclude: ["Vectors"], swiftSettings: strictSettings),
        .testTarget(
            name: "ParleyProtocolTests",
            dependencies: ["ParleyProtocol", "ParleyVectors"],
            swiftSettings: strictSettings
        ),
    ] + storeTargets + serverTargets + clientTargets
)

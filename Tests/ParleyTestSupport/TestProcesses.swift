import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// What tests that start this package's executables as child processes share: where the built
/// executables are, and a free loopback port for a server.
public enum TestProcesses {
    /// Why an executable or a port could not be had.
    public enum Failure: Error, CustomStringConvertible {
        /// The executable is not built next to the test bundle (build with
        /// `swift build --build-tests`, which builds every product); the paths tried.
        case binaryMissing(String, [String])
        /// No loopback port could be bound.
        case noFreePort

        public var description: String {
            switch self {
            case .binaryMissing(let name, let paths):
                "\(name) is not built (looked at \(paths.joined(separator: ", "))); run `swift build --build-tests`."
            case .noFreePort: "no free TCP port on 127.0.0.1"
            }
        }
    }

    /// The built executable `name` of this package, next to the test bundle.
    public static func builtProduct(_ name: String) throws -> URL {
        let candidates = [
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent(),
            Bundle.main.bundleURL.deletingLastPathComponent(), Bundle.main.bundleURL,
        ].map { $0.appendingPathComponent(name) }
        guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) else {
            throw Failure.binaryMissing(name, candidates.map(\.path))
        }
        return found
    }

    /// A free TCP port on 127.0.0.1 (bound once and released).
    public static func freeLoopbackPort() throws -> Int {
        let socketFD = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(socketFD) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { generic in
                bind(socketFD, generic, length) == 0 && getsockname(socketFD, generic, &length) == 0
            }
        }
        guard bound else { throw Failure.noFreePort }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

import Foundation
import ParleyCrypto
import ParleyProtocol

/// The result of replaying one vector file.
public struct VectorOutcome: Sendable {
    /// The vector's name (or the file name when it could not be read).
    public let name: String
    /// nil when the vector passed; otherwise the first failing step and why.
    public let failure: String?

    public var passed: Bool { failure == nil }
}

/// Why a vector failed; the message names the step.
struct VectorFailure: Error {
    let message: String
    init(_ message: String) { self.message = message }
}

/// Replays TestVectors/ files against ParleyProtocol.
public enum VectorRunner {
    /// Replays the vector in the file at `url`.
    public static func run(fileAt url: URL) async -> VectorOutcome {
        let fallbackName = url.deletingPathExtension().lastPathComponent
        let vector: TestVector
        do {
            vector = try JSONDecoder().decode(TestVector.self, from: Data(contentsOf: url))
        } catch {
            return VectorOutcome(name: fallbackName, failure: "cannot read the file: \(error)")
        }
        return await run(vector)
    }

    /// Replays a decoded vector.
    public static func run(_ vector: TestVector) async -> VectorOutcome {
        do {
            guard vector.format == TestVector.formatName else {
                throw VectorFailure("unknown format \"\(vector.format)\"")
            }
            guard TestVector.suites.contains(vector.suite) else { throw VectorFailure("unknown suite \"\(vector.suite)\"") }
            switch vector.kind {
            case "x3dh" where vector.suite == "Parley-v2": try PQXDHVectorRunner.run(vector)
            case "x3dh": try X3DHVectorRunner.run(vector)
            case "session": try await SessionVectorRunner.run(vector)
            default: throw VectorFailure("unknown kind \"\(vector.kind)\"")
            }
            return VectorOutcome(name: vector.name, failure: nil)
        } catch let failure as VectorFailure {
            return VectorOutcome(name: vector.name, failure: failure.message)
        } catch {
            return VectorOutcome(name: vector.name, failure: "\(error)")
        }
    }
}

/// Decoding helpers shared by the runners.
enum VectorValues {
    static func bytes(_ hex: String?, _ field: String) throws -> [UInt8] {
        guard let hex else { throw VectorFailure("missing field \(field)") }
        guard let bytes = Hex.decode(hex) else { throw VectorFailure("field \(field) is not hex") }
        return bytes
    }

    static func secret(_ hex: String?, _ field: String) throws -> SecureBytes {
        var raw = try bytes(hex, field)
        return SecureBytes(zeroingAfterCopy: &raw)
    }

    static func identity(_ party: TestVector.Party, _ field: String) throws -> IdentityKeyPair {
        try IdentityKeyPair(seed: secret(party.identitySeed, field + ".identity_seed"))
    }

    static func x25519PrivateKey(_ hex: String?, _ field: String) throws -> X25519.PrivateKey {
        try X25519.PrivateKey(rawRepresentation: secret(hex, field))
    }

    static func mlkemPrivateKey(_ hex: String?, _ field: String) throws -> MLKEM.PrivateKey {
        try MLKEM.PrivateKey(seed: secret(hex, field))
    }

    static func encapsulation(_ entry: TestVector.Encapsulation, _ field: String) throws -> MLKEM.Encapsulation {
        try MLKEM.Encapsulation(
            ciphertext: MLKEM.Ciphertext(rawRepresentation: bytes(entry.ciphertext, field + ".ciphertext")),
            sharedSecret: secret(entry.sharedSecret, field + ".shared_secret"))
    }

    static func pqPreKeyKind(_ kind: String, _ field: String) throws -> PQPreKeyKind {
        switch kind {
        case "one_time": return .oneTime
        case "last_resort": return .lastResort
        default: throw VectorFailure("field \(field) is not one_time or last_resort")
        }
    }

    /// Whether `error` falls in the vector `category`.
    static func matches(_ error: any Error, category: String) -> Bool {
        if category == "any" { return true }
        guard let protocolError = error as? ProtocolError else { return false }
        return protocolError.category == category
    }

    static func describe(_ error: any Error) -> String {
        if let protocolError = error as? ProtocolError { return "\(protocolError.category) (\(protocolError))" }
        return "\(error)"
    }
}

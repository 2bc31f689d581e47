import ArgumentParser
import Foundation
import ParleyCrypto
import ParleyProtocol
import ParleyStore

/// `parley-store-crashtest hammer --store PATH (--encrypt N | --decrypt FILE)`: one of two
/// processes that use one store file at the same moment, for the store's concurrency test
/// (Tests/ParleyStoreTests/StoreConcurrentProcessTests.swift).
///
/// It opens the store, prints `ready`, waits for a line on standard input (so that both processes
/// start together), then works through a ``SessionManager`` over the store:
/// - `--encrypt N`: N messages to `--peer`, one line each: `sent <ratchet key hex> <N>`;
/// - `--decrypt FILE`: each line of FILE (`USER DEVICE WIRE-HEX`) decrypted from that address,
///   one line each: `ok <line>` or `refused <line> <category>`.
/// Any other failure is printed as `error …` and makes the exit status 1.
struct HammerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hammer", abstract: "Encrypt or decrypt through one store that another process uses too.")

    @Option(help: "The store file (passphrase \"\(CrashTestStores.passphraseText)\").")
    var store: String

    @Option(help: "Encrypt this many messages to --peer.")
    var encrypt: Int?

    @Option(help: "Decrypt the messages in this file, one 'USER DEVICE WIRE-HEX' per line.")
    var decrypt: String?

    @Option(help: "The peer to encrypt to, USER:DEVICE.")
    var peer = "bob:1"

    func validate() throws {
        guard (encrypt == nil) != (decrypt == nil) else { throw ValidationError("Give exactly one of --encrypt, --decrypt.") }
        if let encrypt, !(1...10_000).contains(encrypt) { throw ValidationError("--encrypt must be in 1...10000.") }
    }

    func run() async throws {
        let opened = try await EncryptedStore.open(at: store, passphrase: CrashTestStores.passphrase)
        let manager = SessionManager(store: opened)
        print("ready")
        fflush(nil)
        _ = readLine()
        var failed = false
        if let encrypt {
            let parts = peer.split(separator: ":")
            guard parts.count == 2, let device = UInt32(parts[1]) else { throw ValidationError("--peer must be USER:DEVICE.") }
            let address = PeerAddress(user: String(parts[0]), device: device)
            for index in 0..<encrypt {
                do {
                    let wire = try await manager.encrypt(Array("message \(index)".utf8), for: address)
                    let header: MessageHeader
                    switch try WireMessage.parse(wire) {
                    case .message(let message): header = message.header
                    case .preKeyMessage(let message): header = message.message.header
                    }
                    print("sent \(Hex.encode(header.ratchetKey.rawRepresentation)) \(header.messageNumber)")
                } catch {
                    print("error \(index) \(error)")
                    failed = true
                }
            }
        }
        if let decrypt {
            let lines = try String(contentsOfFile: decrypt, encoding: .utf8).split(separator: "\n")
            for (index, line) in lines.enumerated() {
                let fields = line.split(separator: " ")
                guard fields.count == 3, let device = UInt32(fields[1]), let wire = Hex.decode(String(fields[2])) else {
                    print("error \(index) unreadable line")
                    failed = true
                    continue
                }
                do {
                    _ = try await manager.decrypt(wire, from: PeerAddress(user: String(fields[0]), device: device))
                    print("ok \(index)")
                } catch let error as ProtocolError {
                    print("refused \(index) \(error.category)")
                } catch {
                    print("error \(index) \(error)")
                    failed = true
                }
            }
        }
        fflush(nil)
        try opened.close()
        if failed { throw ExitCode(1) }
    }
}

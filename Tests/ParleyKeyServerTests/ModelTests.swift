import Testing

@testable import ParleyKeyServer

@Suite("Parsers of outside values")
struct ModelTests {
    @Test func userIDs() {
        for good in ["abc", "a.b_c-d", "0123456789", String(repeating: "z", count: 32)] {
            #expect((try? UserID(good)) != nil, "\(good)")
        }
        for bad in ["", "ab", "ABC", "a b", "a/b", "é.abc", String(repeating: "z", count: 33), "abc\u{0}"] {
            #expect(throws: InvalidUserID()) { try UserID(bad) }
        }
    }

    @Test func deviceAddresses() {
        #expect(DeviceAddress(header: "alice/0")?.device == 0)
        #expect(DeviceAddress(header: "alice/4294967295")?.device == UInt32.max)
        for bad in ["alice", "alice/", "/1", "alice/1/2", "alice/+1", "alice/-1", "alice/4294967296", "alice/１", "Al/1"] {
            #expect(DeviceAddress(header: bad) == nil, "\(bad)")
        }
    }

    @Test func certificateMessageLayout() throws {
        let key = try TestAccount("alice").device(1).key.publicKey
        let message = DeviceCertificate.signedMessage(user: try UserID("alice"), device: 0x0102_0304, identityKey: key)
        #expect(message == Array("parley-device-v1".utf8) + [5] + Array("alice".utf8) + [1, 2, 3, 4] + key.rawRepresentation)
    }

    @Test func serverOptions() throws {
        #expect(ServerOptions.resolve(nil, "X", in: ["X": "env"], default: "d") == "env")
        #expect(ServerOptions.resolve("flag", "X", in: ["X": "env"], default: "d") == "flag")
        #expect(ServerOptions.resolve(nil, "X", in: [:], default: "d") == "d")
        let listen = try ServerOptions.parseListen("127.0.0.1:8080").get()
        #expect(listen.host == "127.0.0.1" && listen.port == 8080)
        let v6 = try ServerOptions.parseListen("[::1]:9").get()
        #expect(v6.host == "::1" && v6.port == 9)
        for bad in ["127.0.0.1", ":80", "host:70000", "host:x"] {
            #expect((try? ServerOptions.parseListen(bad).get()) == nil, "\(bad)")
        }
        #expect(try ServerOptions.parseDatabase("sqlite:/tmp/x.sqlite").get() == .sqlite(path: "/tmp/x.sqlite"))
        #expect(try ServerOptions.parseDatabase("postgres://u@h:5432/db").get() == .postgres(url: "postgres://u@h:5432/db"))
        #expect((try? ServerOptions.parseDatabase("mysql://x").get()) == nil)
        #expect((try? ServerOptions.parseDatabase("sqlite:").get()) == nil)
    }

    @Test func errorBodiesAreJSON() {
        let body = String(decoding: ServerError.replayedSignature.jsonBody, as: UTF8.self)
        #expect(body == #"{"error":"auth_replayed","message":"Authentication failed: signature already used."}"#)
        #expect(ServerError(mapping: DirectoryError.preKeyLimit(limit: 1000)) == .preKeyLimit(limit: 1000))
        struct Unexpected: Error {}
        #expect(ServerError(mapping: Unexpected()) == .internalError)
    }
}

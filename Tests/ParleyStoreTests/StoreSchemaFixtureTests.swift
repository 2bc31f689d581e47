import Foundation
import ParleyCrypto
import ParleyProtocol
import ParleyStore
import Testing

/// A store written by the first schema (committed in Fixtures/) must keep opening, with all
/// its content, through every later migration.
struct StoreSchemaFixtureTests {
    static let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
        "Fixtures/store-v1.sqlite")

    @Test func theFirstSchemaFixtureOpensWithItsContent() async throws {
        let directory = TemporaryDirectory()
        let copy = directory.path("store-v1.sqlite")
        try FileManager.default.copyItem(atPath: Self.fixture.path, toPath: copy)
        let store = try await EncryptedStore.open(at: copy, passphrase: SecureBytes(copying: Array("fixture passphrase".utf8)))
        #expect(
            Hex.encode(try await store.identityKeyPair().publicKey.rawRepresentation)
                == "0d01919db035f6a355a93e4570a71d8926ded37b154c2c400f62c758c07a6724")
        #expect(
            try await store.contact("fixture-contact")
                == Contact(user: "fixture-contact", displayName: "Fixture Contact", accountKey: [1, 2, 3], trust: .verified))
        #expect(try await store.setting("fixture-setting") == "value-1")
        let history = try await store.history(conversation: "bob")
        #expect(history.map { String(decoding: $0.body, as: UTF8.self) } == ["fixture message"])
        #expect(history.first?.state == .pending)
        #expect(try await store.outbox().count == 1)
        #expect(try await store.sessionRecord(for: StoreFixtures.bob)?.current?.isAwaitingResponse == true)
        #expect(try await store.passphraseLimits() == .minimumForTesting)
    }
}

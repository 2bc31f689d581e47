import Foundation
import ParleyKeyServer
import ParleyTestSupport
import Testing

/// Issue 13's removed-device attack replayed against a real `parley-server` process on
/// 127.0.0.1: a device that was removed tries to come back with its old certificate, by itself
/// (the request the review sent) and through another device of the account. Neither works, and
/// nothing more reaches its mailbox.
@Suite("Removed devices against a real parley-server", .serialized)
struct RemovedDeviceProcessTests {
    @Test func aRemovedDeviceNeverComesBack() async throws {
        try await SenderQuotaProcessTests.withServerProcess { client in
            let (alice, _) = try await client.registerAliceAndBob()
            let carol = TestAccount("carol")
            let phone = try carol.device(1)
            let stolen = try carol.device(2)
            #expect(try await client.call(.post, "/v1/accounts", json: carol.registration(phone), as: phone).status == 201)
            #expect(try await client.call(.post, "/v1/devices", json: try stolen.linkJSON(), as: phone).status == 201)
            #expect(try await client.call(.delete, "/v1/devices/2", as: phone).status == 204)

            // The review's request: the removed device posts its old body, signed by itself
            // (201 before: the server needed only a certificate that verifies).
            let byItself = try await client.call(.post, "/v1/devices", json: stolen.json, as: stolen)
            #expect(byItself.errorCode == "link_proof_required")
            let provedByItself = try await client.call(.post, "/v1/devices", json: try stolen.linkJSON(), as: stolen)
            #expect(provedByItself.status == 401)
            // The same key brought in by a device of the account (a thief who also holds it,
            // or a confused client): the key was removed, so it stays out.
            let throughPhone = try await client.call(.post, "/v1/devices", json: try stolen.linkJSON(), as: phone)
            #expect(throughPhone.status == 409)
            #expect(throughPhone.errorCode == "device_removed")
            // Under another device id too.
            let renamed = TestDevice(user: "carol", id: 3, key: stolen.key, certificate: try carol.certificate(3, stolen))
            let asThree = try await client.call(.post, "/v1/devices", json: try renamed.linkJSON(), as: phone)
            #expect(asThree.errorCode == "device_removed")

            let list = try await client.call(.get, "/v1/users/carol/devices", as: alice)
            #expect((list.json["devices"] as? [[String: Any]])?.compactMap { $0["id"] as? Int } == [1])
            // A contact's message to the removed device finds no mailbox.
            let message: [String: Any] = ["user": "carol", "device": 2, "body": b64(Array("hi".utf8))]
            let sent = try await client.call(.put, "/v1/messages", json: ["messages": [message]], as: alice)
            #expect(sent.errorCode == "unknown_device")
            #expect(try await client.call(.get, "/v1/messages", as: stolen).status == 401)
        }
    }
}

extension TestAccount {
    /// This account's certificate for `device`'s key under another device id.
    func certificate(_ id: UInt32, _ device: TestDevice) throws -> [UInt8] {
        accountKey.signature(
            for: DeviceCertificate.signedMessage(user: try UserID(user), device: id, identityKey: device.key.publicKey))
    }
}

import ParleyCrypto
import Testing

@testable import ParleyKeyServer

@Suite("Accounts and devices")
struct RegistrationTests {
    @Test(arguments: Backend.allCases)
    func registerAndList(backend: Backend) async throws {
        try await withServer(backend) { api in
            let alice = TestAccount("alice")
            let phone = try alice.device(7)
            try await api.register(alice, phone)
            let list = try await api.call(.get, "/v1/users/alice/devices", as: phone)
            #expect(list.status == 200)
            #expect(list.json["account_key"] as? String == b64(alice.accountKey.publicKey.rawRepresentation))
            let devices = list.json["devices"] as? [[String: Any]] ?? []
            #expect(devices.count == 1)
            #expect(devices.first?["id"] as? Int == 7)
            #expect(devices.first?["identity_key"] as? String == b64(phone.key.publicKey.rawRepresentation))
            #expect(devices.first?["certificate"] as? String == b64(phone.certificate))

            // The same user id again, with another key: taken.
            let impostor = TestAccount("alice")
            let other = try impostor.device(1)
            let again = try await api.call(.post, "/v1/accounts", json: impostor.registration(other), as: other)
            #expect(again.status == 409)
            #expect(again.errorCode == "user_taken")
        }
    }

    @Test(arguments: Backend.allCases)
    func registrationChecks(backend: Backend) async throws {
        try await withServer(backend) { api in
            let bob = TestAccount("bob")
            let mallory = TestAccount("mallory")
            // Certificate by another account key.
            let forged = try bob.device(1, certifiedBy: mallory.accountKey)
            let reply = try await api.call(.post, "/v1/accounts", json: bob.registration(forged), as: forged)
            #expect(reply.status == 400)
            #expect(reply.errorCode == "invalid_certificate")
            // Header names another device than the body.
            let device = try bob.device(1)
            let otherID = try bob.device(2)
            let mismatch = try await api.call(
                .post, "/v1/accounts", json: bob.registration(device), as: otherID, signer: device)
            #expect(mismatch.status == 400)
            #expect(mismatch.errorCode == "device_mismatch")
            // Signed by a key that is not the presented one: no proof of possession.
            let stranger = try bob.device(1)
            let unproven = try await api.call(
                .post, "/v1/accounts", json: bob.registration(device), as: device, signer: stranger)
            #expect(unproven.status == 401)
            #expect(unproven.errorCode == "auth_bad_signature")
            // Bad user ids.
            for name in ["ab", "UPPER", "with space", String(repeating: "a", count: 33), "ünïcode"] {
                let account = TestAccount(name)
                var body = bob.registration(device)
                body["user"] = account.user
                let bad = try await api.call(.post, "/v1/accounts", json: body, as: device)
                #expect(bad.status == 400, "user id \(name)")
            }
            // Nothing above registered bob.
            try await api.register(bob, device)
        }
    }

    @Test(arguments: Backend.allCases)
    func addAndRemoveDevices(backend: Backend) async throws {
        try await withServer(backend) { api in
            let carol = TestAccount("carol")
            let first = try carol.device(1)
            try await api.register(carol, first)
            let second = try carol.device(2)
            let added = try await api.call(.post, "/v1/devices", json: second.json, as: second)
            #expect(added.status == 201)

            // A device certified by another account key is refused and not listed.
            let eve = TestAccount("eve")
            let planted = try carol.device(3, certifiedBy: eve.accountKey)
            let refused = try await api.call(.post, "/v1/devices", json: planted.json, as: planted)
            #expect(refused.status == 400)
            #expect(refused.errorCode == "invalid_certificate")
            // The same id twice.
            let duplicate = try carol.device(2)
            let taken = try await api.call(.post, "/v1/devices", json: duplicate.json, as: duplicate)
            #expect(taken.status == 409)
            #expect(taken.errorCode == "device_taken")
            // A device of an unknown user.
            let ghost = try TestAccount("ghost").device(1)
            #expect(try await api.call(.post, "/v1/devices", json: ghost.json, as: ghost).errorCode == "unknown_user")

            var ids = try await deviceIDs(api, "carol", as: first)
            #expect(ids == [1, 2])
            #expect(try await api.call(.delete, "/v1/devices/2", as: first).status == 204)
            ids = try await deviceIDs(api, "carol", as: first)
            #expect(ids == [1])
            // The removed device can no longer sign in; removing it again is 404.
            #expect(try await api.call(.get, "/v1/keys/count", as: second).errorCode == "auth_unknown_device")
            #expect(try await api.call(.delete, "/v1/devices/2", as: first).status == 404)
            #expect(try await api.call(.delete, "/v1/devices/x2", as: first).errorCode == "invalid_parameter")
            #expect(try await api.call(.get, "/v1/users/nobody/devices", as: first).errorCode == "unknown_user")
            #expect(try await api.call(.get, "/v1/users/NO/devices", as: first).errorCode == "invalid_user_id")
        }
    }

    private func deviceIDs(_ api: TestAPI, _ user: String, as device: TestDevice) async throws -> [Int] {
        let list = try await api.call(.get, "/v1/users/\(user)/devices", as: device)
        return (list.json["devices"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? Int }
    }
}

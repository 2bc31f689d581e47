import Foundation
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
            // A new device cannot register itself: it joins through a registered device.
            let selfSigned = try await api.call(.post, "/v1/devices", json: try second.linkJSON(), as: second)
            #expect(selfSigned.errorCode == "auth_unknown_device")
            #expect(try await api.call(.post, "/v1/devices", json: second.json, as: first).errorCode == "link_proof_required")
            let added = try await api.call(.post, "/v1/devices", json: try second.linkJSON(), as: first)
            #expect(added.status == 201)

            // A device certified by another account key is refused and not listed.
            let eve = TestAccount("eve")
            let planted = try carol.device(3, certifiedBy: eve.accountKey)
            let refused = try await api.call(.post, "/v1/devices", json: try planted.linkJSON(), as: first)
            #expect(refused.status == 400)
            #expect(refused.errorCode == "invalid_certificate")
            // The same id twice.
            let duplicate = try carol.device(2)
            let taken = try await api.call(.post, "/v1/devices", json: try duplicate.linkJSON(), as: first)
            #expect(taken.status == 409)
            #expect(taken.errorCode == "device_taken")

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
            // The last device takes the account with it; the user id can be registered again.
            #expect(try await api.call(.delete, "/v1/devices/1", as: first).status == 204)
            let dave = TestAccount("dave")
            let daveDevice = try dave.device(1)
            try await api.register(dave, daveDevice)
            #expect(try await api.call(.get, "/v1/users/carol/devices", as: daveDevice).errorCode == "unknown_user")
            let carolAgain = TestAccount("carol")
            try await api.register(carolAgain, try carolAgain.device(1))
        }
    }

    /// `parley link`: an existing device registers a new one with the new device's link proof.
    @Test(arguments: Backend.allCases)
    func linkByExistingDevice(backend: Backend) async throws {
        try await withServer(backend) { api in
            let (dana, first, second) = try await userWithSecondDevice("dana", on: api)
            func proof(by key: Ed25519.PrivateKey, device: UInt32 = 2, user: String = "dana") throws -> String {
                try linkProof(of: second, by: key, device: device, user: user)
            }
            var body = second.json
            // A proof by another key, for another device id, or for another user is refused.
            for bad in [try proof(by: first.key), try proof(by: second.key, device: 3), try proof(by: second.key, user: "erin")] {
                body["link_proof"] = bad
                let refused = try await api.call(.post, "/v1/devices", json: body, as: first)
                #expect(refused.status == 400)
                #expect(refused.errorCode == "invalid_link_proof")
            }
            body["link_proof"] = "not base64!"
            #expect(try await api.call(.post, "/v1/devices", json: body, as: first).status == 400)
            #expect(try await deviceIDs(api, "dana", as: first) == [1])
            // A valid proof, signed in as the first device: the second device is registered.
            body["link_proof"] = try proof(by: second.key)
            #expect(try await api.call(.post, "/v1/devices", json: body, as: first).status == 201)
            #expect(try await deviceIDs(api, "dana", as: first) == [1, 2])
            #expect(try await api.call(.get, "/v1/keys/count", as: second).status == 200)
            // A stranger's device cannot link into dana's account: it signs in as its own user.
            let erin = TestAccount("erin")
            let erinDevice = try erin.device(1)
            try await api.register(erin, erinDevice)
            let third = try dana.device(3)
            var strangerBody = third.json
            strangerBody["link_proof"] = b64(
                third.key.signature(
                    for: DeviceLinkProof.signedMessage(user: try UserID("dana"), device: 3, identityKey: third.key.publicKey)))
            let stranger = try await api.call(.post, "/v1/devices", json: strangerBody, as: erinDevice)
            #expect(stranger.status == 400)
            #expect(try await deviceIDs(api, "dana", as: first) == [1, 2])
        }
    }

    /// A linked device's first signed prekey comes with its registration, so that it can be
    /// claimed (and sent to) before it first syncs; a bad one adds nothing.
    @Test(arguments: Backend.allCases)
    func linkWithSignedPreKey(backend: Backend) async throws {
        try await withServer(backend) { api in
            let (_, first, second) = try await userWithSecondDevice("dana", on: api)
            let spk = X25519.PrivateKey(random: SystemRandomSource()).publicKey.rawRepresentation
            var body = second.json
            body["link_proof"] = try linkProof(of: second, by: second.key, user: "dana")
            // Signed by the wrong key, or not a key: refused, and no device is added.
            for (key, signature) in [
                (b64(spk), b64(first.key.signature(for: SignatureDomain.signedPreKeyV2 + spk))),
                ("AAAA", b64(second.key.signature(for: SignatureDomain.signedPreKeyV2 + spk))),
            ] {
                body["signed_prekey"] = ["key": key, "signature": signature]
                let refused = try await api.call(.post, "/v1/devices", json: body, as: first)
                #expect(refused.status == 400)
                #expect(["invalid_signature", "invalid_key"].contains(refused.errorCode))
            }
            #expect(try await deviceIDs(api, "dana", as: first) == [1])
            body["signed_prekey"] = [
                "key": b64(spk), "signature": b64(second.key.signature(for: SignatureDomain.signedPreKeyV2 + spk)),
            ]
            #expect(try await api.call(.post, "/v1/devices", json: body, as: first).status == 201)
            // Without a PQ prekey it is left out of claims (PQ prekeys are required by default);
            // once its first sync uploaded a last-resort one, it is claimable with the signed
            // prekey from its registration.
            let early = try await api.call(.post, "/v1/keys/claim", json: ["user": "dana", "devices": [2]], as: first)
            #expect((early.json["bundles"] as? [[String: Any]])?.isEmpty == true)
            #expect(try await api.call(.put, "/v1/keys/pq-last-resort", json: second.pqPreKey(), as: second).status == 204)
            // Claimable at once, with that signed prekey (and no one-time prekey yet).
            let claim = try await api.call(.post, "/v1/keys/claim", json: ["user": "dana", "devices": [2]], as: first)
            let bundle = try #require((claim.json["bundles"] as? [[String: Any]])?.first)
            #expect(bundle["device"] as? Int == 2)
            #expect(bundle["signed_prekey"] as? String == b64(spk))
            #expect(bundle["one_time_prekey"] is NSNull)
        }
    }

    /// A registered user with device 1, and a device 2 made but not registered.
    private func userWithSecondDevice(_ name: String, on api: TestAPI) async throws
        -> (account: TestAccount, first: TestDevice, second: TestDevice)
    {
        let account = TestAccount(name)
        let first = try account.device(1)
        try await api.register(account, first)
        return (account, first, try account.device(2))
    }

    /// `second`'s link proof for joining `user` as `device`, signed by `key`.
    private func linkProof(of second: TestDevice, by key: Ed25519.PrivateKey, device: UInt32 = 2, user: String) throws -> String {
        b64(
            key.signature(
                for: DeviceLinkProof.signedMessage(user: try UserID(user), device: device, identityKey: second.key.publicKey)))
    }

    private func deviceIDs(_ api: TestAPI, _ user: String, as device: TestDevice) async throws -> [Int] {
        let list = try await api.call(.get, "/v1/users/\(user)/devices", as: device)
        return (list.json["devices"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? Int }
    }
}

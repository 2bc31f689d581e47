import Foundation
import ParleyCrypto
import ParleyServerAPI
import Testing

@testable import ParleyClient

/// Checks that need no server: link codes and the client's own verification of device lists.
@Suite struct TrustAndLinkTests {
    let accountKey = Ed25519.PrivateKey(random: SystemRandomSource())

    func deviceJSON(_ id: UInt32, key: Ed25519.PublicKey, certifiedBy signer: Ed25519.PrivateKey) throws -> DeviceJSON {
        let certificate = signer.signature(
            for: DeviceCertificate.signedMessage(user: try UserID("bob"), device: id, identityKey: key))
        return DeviceJSON(
            id: id, identityKey: Data(key.rawRepresentation).base64EncodedString(),
            certificate: Data(certificate).base64EncodedString())
    }

    func list(_ devices: [DeviceJSON], user: String = "bob") -> DeviceListResponse {
        DeviceListResponse(
            user: user, accountKey: Data(accountKey.publicKey.rawRepresentation).base64EncodedString(), devices: devices)
    }

    @Test func deviceListIsUsedOnlyWhenEveryCertificateVerifies() throws {
        let phone = Ed25519.PrivateKey(random: SystemRandomSource()).publicKey
        let good = try deviceJSON(1, key: phone, certifiedBy: accountKey)
        let verified = try VerifiedDeviceList(list([good]), for: "bob")
        #expect(verified.devices == [1: phone])
        // A device the server added on its own (certified by another key) spoils the whole list.
        let planted = try deviceJSON(2, key: phone, certifiedBy: Ed25519.PrivateKey(random: SystemRandomSource()))
        #expect(throws: ClientError.invalidCertificate("bob")) { try VerifiedDeviceList(list([good, planted]), for: "bob") }
        // A certificate moved to another device id, a list for another user, a duplicate id.
        let moved = DeviceJSON(id: 3, identityKey: good.identityKey, certificate: good.certificate)
        #expect(throws: ClientError.invalidCertificate("bob")) { try VerifiedDeviceList(list([moved]), for: "bob") }
        #expect(throws: ClientError.invalidCertificate("bob")) { try VerifiedDeviceList(list([good], user: "eve"), for: "bob") }
        #expect(throws: ClientError.invalidCertificate("bob")) { try VerifiedDeviceList(list([good, good]), for: "bob") }
    }

    @Test func linkConfirmationBindsTheAccountKeyToTheSecret() throws {
        let secret = SecureBytes(randomCount: LinkConfirmation.secretByteCount, from: SystemRandomSource())
        let other = SecureBytes(randomCount: LinkConfirmation.secretByteCount, from: SystemRandomSource())
        let account = Ed25519.PrivateKey(random: SystemRandomSource()).publicKey
        let forged = Ed25519.PrivateKey(random: SystemRandomSource()).publicKey
        let alice = try UserID("alice")
        let body = LinkConfirmation.body(secret: secret, user: alice, device: 2, accountKey: account)
        #expect(LinkConfirmation.isConfirmation(body))
        #expect(LinkConfirmation.confirms(body, secret: secret, user: alice, device: 2, accountKey: account))
        // Another account key (the server's own), secret, device or user: not confirmed.
        #expect(!LinkConfirmation.confirms(body, secret: secret, user: alice, device: 2, accountKey: forged))
        #expect(!LinkConfirmation.confirms(body, secret: other, user: alice, device: 2, accountKey: account))
        #expect(!LinkConfirmation.confirms(body, secret: secret, user: alice, device: 3, accountKey: account))
        #expect(!LinkConfirmation.confirms(body, secret: secret, user: try UserID("bob"), device: 2, accountKey: account))
        #expect(!LinkConfirmation.isConfirmation(Array(body.dropLast())))
        #expect(!LinkConfirmation.isConfirmation([1, 1] + Array(repeating: 0, count: 52)))
    }

    @Test func linkCodeRoundTripsAndRejectsTampering() throws {
        let device = Ed25519.PrivateKey(random: SystemRandomSource())
        let signedPreKey = X25519.PrivateKey(random: SystemRandomSource()).publicKey
        let secret = SecureBytes(randomCount: LinkConfirmation.secretByteCount, from: SystemRandomSource())
        let code = LinkCode(user: try UserID("alice"), device: 7, identity: device, signedPreKey: signedPreKey, secret: secret)
        let text = code.text
        #expect(text.hasPrefix(LinkCode.prefix))
        // The secret is in the text only, never in what `description` prints.
        #expect(code.description == "link code for device 7 of alice")
        #expect("\(code)" == code.description)
        let parsed = try LinkCode(parsing: "  \(text)\n")
        #expect(parsed == code)
        #expect(parsed.signedPreKey == signedPreKey)
        #expect(parsed.secret == secret)
        #expect(device.publicKey.isValidSignature(parsed.signedPreKeySignature, for: signedPreKey.rawRepresentation))
        // Every change of a character in the payload is caught (layout, proof, prekey signature or
        // the check that covers the secret).
        let payload = Array(text.dropFirst(LinkCode.prefix.count))
        for index in payload.indices {
            var changed = payload
            changed[index] = changed[index] == "A" ? "B" : "A"
            let tampered = LinkCode.prefix + String(changed)
            #expect((try? LinkCode(parsing: tampered)) == nil, "position \(index)")
        }
        for bad in ["", "parley-link:2:", "parley-link:1:" + String(payload), text + "AA", "parley-link:2:!!!!"] {
            #expect(throws: ClientError.invalidLinkCode) { try LinkCode(parsing: bad) }
        }
    }
}

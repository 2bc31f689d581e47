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

    @Test func linkCodeRoundTripsAndRejectsTampering() throws {
        let device = Ed25519.PrivateKey(random: SystemRandomSource())
        let signedPreKey = X25519.PrivateKey(random: SystemRandomSource()).publicKey
        let code = LinkCode(user: try UserID("alice"), device: 7, identity: device, signedPreKey: signedPreKey)
        let text = code.description
        #expect(text.hasPrefix(LinkCode.prefix))
        let parsed = try LinkCode(parsing: "  \(text)\n")
        #expect(parsed == code)
        #expect(parsed.signedPreKey == signedPreKey)
        #expect(device.publicKey.isValidSignature(parsed.signedPreKeySignature, for: signedPreKey.rawRepresentation))
        // Every change of a character in the payload is caught (layout, proof or prekey signature).
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

import Foundation
import ParleyCrypto
import ParleyServerAPI
import ParleyStore
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

    /// A server answer listing `devices`, with a device list signed by the account key that
    /// names them (or `signed` when given).
    func list(_ devices: [DeviceJSON], user: String = "bob", signed: SignedDeviceList? = nil) throws -> DeviceListResponse {
        let entries = devices.compactMap { device in
            Data(base64Encoded: device.identityKey).flatMap { try? Ed25519.PublicKey(rawRepresentation: Array($0)) }
                .map { SignedDeviceList.Entry(id: device.id, identityKey: $0) }
        }
        let unique = Dictionary(entries.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first }).values
        let signedList =
            try signed ?? SignedDeviceList.sign(user: try UserID("bob"), version: 1, devices: Array(unique), with: accountKey)
        return DeviceListResponse(
            user: user, accountKey: Data(accountKey.publicKey.rawRepresentation).base64EncodedString(), devices: devices,
            deviceList: DeviceListJSON(signedList))
    }

    func key() -> Ed25519.PublicKey { Ed25519.PrivateKey(random: SystemRandomSource()).publicKey }

    @Test func onlyDevicesTheSignedListNamesAreUsed() throws {
        let (phone, laptop) = (key(), key())
        let devices = [
            try deviceJSON(1, key: phone, certifiedBy: accountKey), try deviceJSON(2, key: laptop, certifiedBy: accountKey),
        ]
        let bob = try UserID("bob")
        let onlyPhone = try SignedDeviceList.sign(
            user: bob, version: 2, devices: [.init(id: 1, identityKey: phone)], with: accountKey)
        #expect(try VerifiedDeviceList(list(devices, signed: onlyPhone), for: "bob").devices == [1: phone])
        // A list naming another key for device 2 does not make the server's key count.
        let otherKey = try SignedDeviceList.sign(
            user: bob, version: 2, devices: [.init(id: 1, identityKey: phone), .init(id: 2, identityKey: key())], with: accountKey
        )
        #expect(try VerifiedDeviceList(list(devices, signed: otherKey), for: "bob").devices == [1: phone])
        // No signed list, or one signed by another key: not used at all.
        let unsigned = DeviceListResponse(
            user: "bob", accountKey: Data(accountKey.publicKey.rawRepresentation).base64EncodedString(), devices: devices)
        #expect(throws: ClientError.untrustedDeviceList("bob")) { try VerifiedDeviceList(unsigned, for: "bob") }
        let forged = try SignedDeviceList.sign(
            user: bob, version: 9, devices: [.init(id: 1, identityKey: phone)],
            with: Ed25519.PrivateKey(random: SystemRandomSource()))
        #expect(throws: ClientError.untrustedDeviceList("bob")) {
            try VerifiedDeviceList(list(devices, signed: forged), for: "bob")
        }
    }

    @Test func aPinnedListNeverGoesBackNorTakesARemovedKeyBack() throws {
        let (phone, laptop, tablet) = (key(), key(), key())
        let bob = try UserID("bob")
        func signed(_ version: UInt64, _ keys: [Ed25519.PublicKey]) throws -> SignedDeviceList {
            try SignedDeviceList.sign(
                user: bob, version: version,
                devices: keys.enumerated().map { .init(id: UInt32($0.offset + 1), identityKey: $0.element) }, with: accountKey)
        }
        let pin = DeviceListPin(try signed(3, [phone, laptop]))
        // The same list again changes nothing; an older one, or the same version with other
        // devices, is refused.
        #expect(try pin.advanced(to: signed(3, [phone, laptop])) == pin)
        #expect(throws: ClientError.untrustedDeviceList("bob")) { try pin.advanced(to: signed(2, [phone, laptop])) }
        #expect(throws: ClientError.untrustedDeviceList("bob")) { try pin.advanced(to: signed(3, [phone, tablet])) }
        // The laptop leaves in version 4: remembered as removed, refused in any later list.
        let advanced = try pin.advanced(to: signed(4, [phone]))
        #expect(advanced.version == 4)
        #expect(advanced.removedKeys == [laptop.rawRepresentation])
        #expect(throws: ClientError.untrustedDeviceList("bob")) { try advanced.advanced(to: signed(5, [phone, laptop])) }
        #expect(try advanced.advanced(to: signed(5, [phone, tablet])).keys == [phone, tablet].map(\.rawRepresentation))
    }

    @Test func deviceListIsUsedOnlyWhenEveryCertificateVerifies() throws {
        let phone = Ed25519.PrivateKey(random: SystemRandomSource()).publicKey
        let good = try deviceJSON(1, key: phone, certifiedBy: accountKey)
        let verified = try VerifiedDeviceList(try list([good]), for: "bob")
        #expect(verified.devices == [1: phone])
        // A device the server added on its own (certified by another key) spoils the whole list.
        let planted = try deviceJSON(2, key: phone, certifiedBy: Ed25519.PrivateKey(random: SystemRandomSource()))
        #expect(throws: ClientError.invalidCertificate("bob")) { try VerifiedDeviceList(try list([good, planted]), for: "bob") }
        // A certificate moved to another device id, a list for another user, a duplicate id.
        let moved = DeviceJSON(id: 3, identityKey: good.identityKey, certificate: good.certificate)
        #expect(throws: ClientError.invalidCertificate("bob")) { try VerifiedDeviceList(try list([moved]), for: "bob") }
        #expect(throws: ClientError.invalidCertificate("bob")) {
            try VerifiedDeviceList(try list([good], user: "eve"), for: "bob")
        }
        #expect(throws: ClientError.invalidCertificate("bob")) { try VerifiedDeviceList(try list([good, good]), for: "bob") }
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
        // The signed prekey carries its Parley-v2 signature ("parley-spk-v2" || SPK).
        #expect(
            device.publicKey.isValidSignature(
                parsed.signedPreKeySignature, for: SignatureDomain.signedPreKeyV2 + signedPreKey.rawRepresentation))
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

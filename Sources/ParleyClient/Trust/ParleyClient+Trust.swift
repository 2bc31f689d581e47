import Foundation
import ParleyCrypto
import ParleyServerAPI
import ParleyStore

/// Trust on first use: the first account key seen for a user is pinned; a different one later
/// stops sending until the user accepts it after comparing safety numbers.
extension ParleyClient {
    /// A contact as the app shows it.
    public struct ContactSummary: Sendable, Equatable {
        /// The contact's user id.
        public let user: String
        /// Unverified (pinned on first use), verified, or changed since pinned.
        public let trust: TrustState
    }

    /// The user's certified devices, checked against the pinned account key (pinning it on
    /// first contact) and against the newest signed device list seen under that key (pinned the
    /// same way: an older list, or one that brings back a removed device, is refused). A changed
    /// account key marks the contact ``TrustState/changed``.
    /// - Parameter requireTrusted: throw ``ClientError/safetyNumberChanged(_:)`` for a changed
    ///   key (``ClientError/ownAccountKeyChanged`` for this account's own), for sending; false
    ///   returns the list anyway (for showing incoming messages with a warning).
    /// - Throws: ``ClientError/untrustedDeviceList(_:)`` for a list the pin refuses (under the
    ///   pinned account key), the errors of ``VerifiedDeviceList/init(_:for:)``.
    func verifiedDevices(of user: String, requireTrusted: Bool) async throws -> VerifiedDeviceList {
        let list: VerifiedDeviceList
        if let cached = deviceListCache[user] {
            list = cached
        } else {
            list = try await fetchAndPinDevices(of: user)
            deviceListCache[user] = list
        }
        if requireTrusted, try await trustChanged(user) {
            throw user == self.user ? ClientError.ownAccountKeyChanged : ClientError.safetyNumberChanged(user)
        }
        return list
    }

    /// Fetches and verifies the user's device list and checks it against the contact's pins,
    /// advancing the device list pin (or pinning both on first contact).
    private func fetchAndPinDevices(of user: String) async throws -> VerifiedDeviceList {
        let list = try VerifiedDeviceList(try await server.deviceList(of: user), for: user)
        let fetchedKey = list.accountKey.rawRepresentation
        guard var contact = try await store.contact(user), let pinned = contact.accountKey else {
            try await store.saveContact(
                Contact(user: user, accountKey: fetchedKey, trust: .unverified, deviceList: DeviceListPin(list.signedList)))
            return list
        }
        if !ConstantTime.equals(pinned, fetchedKey) {
            if contact.trust != .changed {
                contact.trust = .changed
                try await store.saveContact(contact)
            }
            return list
        }
        let pin = try contact.deviceList.map { try $0.advanced(to: list.signedList) } ?? DeviceListPin(list.signedList)
        if pin != contact.deviceList {
            contact.deviceList = pin
            try await store.saveContact(contact)
        }
        return list
    }

    /// Whether the user's pinned account key changed and was not accepted yet.
    func trustChanged(_ user: String) async throws -> Bool {
        try await store.contact(user)?.trust == .changed
    }

    /// Every contact with its trust state, by user id.
    public func contacts() async throws -> [ContactSummary] {
        try await store.contacts().filter { $0.user != user }.map { ContactSummary(user: $0.user, trust: $0.trust) }
            .sorted { $0.user < $1.user }
    }

    /// The safety number with `user`, from this account's key and `user`'s current account key
    /// on the server (the one that would be pinned by ``verify(_:)``).
    public func safetyNumber(with user: String) async throws -> SafetyNumber {
        deviceListCache[user] = nil
        let theirs = try await verifiedDevices(of: user, requireTrusted: false)
        let ours = try await ownAccountKey()
        guard let localUser = try? UserID(self.user), let remoteUser = try? UserID(user) else {
            throw ClientError.invalidUserID(user)
        }
        return SafetyNumber(localKey: ours, localUser: localUser, remoteKey: theirs.accountKey, remoteUser: remoteUser)
    }

    /// Marks the number's user verified, pinning exactly the account key `number` was computed
    /// from (also accepting a changed key), not whatever the server shows now: a server or proxy
    /// that answers differently after the number was shown cannot get its own key verified.
    /// Call after comparing `number` (from ``safetyNumber(with:)``) with the contact. This
    /// account's own user is refused (``ClientError/ownAccountKeyChanged``): its key is pinned
    /// when the device is set up and never replaced.
    public func verify(_ number: SafetyNumber) async throws {
        let user = number.remoteUser.rawValue
        // This account's own key is pinned at set-up and never replaced (Specs/client.md).
        guard user != self.user else { throw ClientError.ownAccountKeyChanged }
        deviceListCache[user] = nil
        let key = number.remoteKey.rawRepresentation
        var contact = try await store.contact(user) ?? Contact(user: user)
        // The device list pin belongs to the account key it was seen under: kept when that key
        // is confirmed, started again for a newly accepted one.
        if contact.accountKey.map({ !ConstantTime.equals($0, key) }) ?? true { contact.deviceList = nil }
        contact.accountKey = key
        contact.trust = .verified
        try await store.saveContact(contact)
    }

    /// This account's public account key (pinned in the store at creation or link time).
    func ownAccountKey() async throws -> Ed25519.PublicKey {
        guard let text = try await store.setting(ClientSettings.accountPublicKey), let bytes = Hex.decode(text),
            let key = try? Ed25519.PublicKey(rawRepresentation: bytes)
        else { throw ClientError.storeFailure("the account key is missing") }
        return key
    }
}

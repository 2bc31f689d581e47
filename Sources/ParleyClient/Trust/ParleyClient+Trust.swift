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
    /// first contact). A changed key marks the contact ``TrustState/changed``.
    /// - Parameter requireTrusted: throw ``ClientError/safetyNumberChanged(_:)`` for a changed
    ///   key (for sending); false returns the list anyway (for showing incoming messages with a
    ///   warning).
    func verifiedDevices(of user: String, requireTrusted: Bool) async throws -> VerifiedDeviceList {
        let list: VerifiedDeviceList
        if let cached = deviceListCache[user] {
            list = cached
        } else {
            list = try VerifiedDeviceList(try await server.deviceList(of: user), for: user)
            deviceListCache[user] = list
        }
        let fetchedKey = list.accountKey.rawRepresentation
        if var contact = try await store.contact(user), let pinned = contact.accountKey {
            if !ConstantTime.equals(pinned, fetchedKey), contact.trust != .changed {
                contact.trust = .changed
                try await store.saveContact(contact)
            }
            if contact.trust == .changed, requireTrusted { throw ClientError.safetyNumberChanged(user) }
        } else {
            try await store.saveContact(Contact(user: user, accountKey: fetchedKey, trust: .unverified))
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
    /// Call after comparing `number` (from ``safetyNumber(with:)``) with the contact.
    public func verify(_ number: SafetyNumber) async throws {
        let user = number.remoteUser.rawValue
        deviceListCache[user] = nil
        try await store.saveContact(Contact(user: user, accountKey: number.remoteKey.rawRepresentation, trust: .verified))
    }

    /// This account's public account key (pinned in the store at creation or link time).
    func ownAccountKey() async throws -> Ed25519.PublicKey {
        guard let text = try await store.setting(ClientSettings.accountPublicKey), let bytes = Hex.decode(text),
            let key = try? Ed25519.PublicKey(rawRepresentation: bytes)
        else { throw ClientError.storeFailure("the account key is missing") }
        return key
    }
}

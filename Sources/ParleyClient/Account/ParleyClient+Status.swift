import ParleyCrypto

/// What `status` and `devices` show.
extension ParleyClient {
    /// This device's view of its account.
    public struct Status: Sendable {
        /// Whether the server answered.
        public let serverReachable: Bool
        /// Envelopes waiting in the outbox.
        public let outboxCount: Int
        /// One-time prekeys the server holds for this device (nil when unreachable).
        public let oneTimePreKeysOnServer: Int?
    }

    /// A certified device of this account.
    public struct DeviceSummary: Sendable {
        /// The device id.
        public let id: UInt32
        /// The first 8 bytes of its identity key in hex, to compare across devices.
        public let fingerprint: String
    }

    /// Outbox size and the server's prekey count (an unreachable server is reported, not thrown).
    public func status() async throws -> Status {
        let outbox = try await store.outbox().count
        let count = try? await server.oneTimePreKeyCount()
        return Status(serverReachable: count != nil, outboxCount: outbox, oneTimePreKeysOnServer: count)
    }

    /// This account's certified devices, verified under its own account key.
    public func ownDevices() async throws -> [DeviceSummary] {
        deviceListCache[user] = nil
        let list = try await verifiedDevices(of: user, requireTrusted: true)
        return list.devices.keys.sorted().compactMap { id in
            list.devices[id].map { DeviceSummary(id: id, fingerprint: Hex.encode($0.rawRepresentation.prefix(8))) }
        }
    }

    /// Removes one of this account's devices from the server (this one included). Removing the
    /// last device deletes the account on the server; the user id becomes free.
    public func removeDevice(_ id: UInt32) async throws {
        try await server.removeDevice(id)
    }
}

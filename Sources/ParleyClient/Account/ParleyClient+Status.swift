import ParleyCrypto
import ParleyServerAPI

/// What `status` and `devices` show.
extension ParleyClient {
    /// This device's view of its account.
    public struct Status: Sendable {
        /// How the server answered this device.
        public let server: ServerState
        /// Envelopes waiting in the outbox.
        public let outboxCount: Int
        /// One-time prekeys the server holds for this device (nil unless the server is ready).
        public let oneTimePreKeysOnServer: Int?
        /// One-time PQ (ML-KEM-1024) prekeys the server holds for this device (nil unless the
        /// server is ready).
        public var pqOneTimePreKeysOnServer: Int? = nil
        /// Seconds since this device's signed prekey reached the server (nil when unknown).
        public var signedPreKeyAgeSeconds: Int64? = nil
        /// Seconds since this device's last-resort PQ prekey reached the server (nil when it has
        /// none or the server is not ready).
        public var pqLastResortAgeSeconds: Int64? = nil

        /// Whether the server answered at all (also when it refused this device).
        public var serverReachable: Bool { server != .unreachable }
    }

    /// How the server answered a signed request of this device, for ``status()``.
    public enum ServerState: Sendable, Equatable {
        /// It answered and knows this device.
        case ready
        /// It cannot be reached.
        case unreachable
        /// It answered but does not know this device: the device was removed, or its link is
        /// not finished.
        case deviceUnknown
        /// It answered with another error (the error's sentence).
        case failing(String)
    }

    /// A certified device of this account.
    public struct DeviceSummary: Sendable {
        /// The device id.
        public let id: UInt32
        /// The first 8 bytes of its identity key in hex, to compare across devices.
        public let fingerprint: String
    }

    /// Outbox size, the server's prekey stock (one-time and one-time PQ) and the ages of the
    /// signed and last-resort PQ prekeys. The server's answer is reported, not thrown: an
    /// unreachable server, a server that does not know this device (removed, or not linked yet)
    /// and other refusals are told apart.
    /// - Throws: store errors only.
    public func status() async throws -> Status {
        let outbox = try await store.outbox().count
        var keys: PreKeyStatusResponse?
        let state: ServerState
        do {
            keys = try await server.preKeyStatus()
            state = .ready
        } catch ClientError.serverUnreachable {
            state = .unreachable
        } catch ClientError.serverRejected(status: 401, _, _) {
            state = .deviceUnknown
        } catch {
            state = .failing(String(describing: error))
        }
        return Status(
            server: state, outboxCount: outbox, oneTimePreKeysOnServer: keys?.oneTime, pqOneTimePreKeysOnServer: keys?.pqOneTime,
            signedPreKeyAgeSeconds: keys?.signedPreKeyAgeSeconds, pqLastResortAgeSeconds: keys?.pqLastResortAgeSeconds)
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
    /// last device deletes the account on the server; the user id becomes free. On the primary
    /// device the account's signed device list without it is published first, so that contacts
    /// stop trusting the device even before the server forgets it, and never take it back; a
    /// linked device only asks the server, and the primary publishes the new list on its next
    /// ``sync()``.
    public func removeDevice(_ id: UInt32) async throws {
        if let accountKey = try await accountSigningKey() {
            let list = try await nextDeviceList(signedBy: accountKey, removing: id)
            // The last device takes the account with it: no list to publish.
            if !list.devices.isEmpty { try await publish(list) }
        }
        try await server.removeDevice(id)
        deviceListCache[user] = nil
    }
}

/// How long the client waits for the server, and telling the user it is waiting.
extension ParleyClient {
    /// Sets how long one request may wait for the server before it fails as
    /// ``ClientError/serverUnreachable(_:)`` (default 30 s; at least 1 s).
    public func setRequestTimeout(seconds: Int) {
        server.slowNotice.timeout = .seconds(Int64(max(1, seconds)))
    }

    /// Calls `handler` with the server's URL the first time a request has waited a second for the
    /// server, so that an app can show "connecting…" instead of a silent wait; nil stops it.
    public func observeSlowServer(_ handler: (@Sendable (String) -> Void)?) {
        server.slowNotice.observe(handler)
    }
}

import ParleyCrypto

/// The versioned serialised form of a ``SessionRecord`` (Specs/session-state.md). It holds
/// private keys, so it is returned as ``SecureBytes`` and must only be stored sealed.
extension SessionRecord {
    /// Current format version. Format 2 adds each session's suite and its PQXDH prefix
    /// (Parley-v2); format 1 (Parley-v1 sessions only) is still read.
    public static let serializationVersion: UInt8 = 2

    /// The record's bytes, for the encrypted store.
    public var serialized: SecureBytes {
        // Sized up front so the buffer never grows: growing would leave copies of the private
        // keys in freed memory that nothing zeroes.
        var writer = ByteWriter(capacity: serializedByteCountUpperBound)
        writer.write(Self.serializationVersion)
        if let current {
            writer.write(UInt8(1))
            current.write(to: &writer)
        } else {
            writer.write(UInt8(0))
        }
        writer.write(UInt8(archived.count))
        for session in archived { session.write(to: &writer) }
        return SecureBytes(zeroingAfterCopy: &writer.bytes)
    }

    /// At least the length of ``serialized``.
    private var serializedByteCountUpperBound: Int {
        let sessions = (current.map { [$0] } ?? []) + archived
        return 2
            + sessions.reduce(0) { total, session in
                total + 512 + (session.handshakePreKeys.pqxdh == nil ? 0 : 1 + 32 + 1568) + 72
                    * session.ratchet.skippedMessageKeys.count + 32 * session.ratchet.previousRemoteRatchetKeys.count
            }
    }

    /// Restores a record from ``serialized``.
    ///
    /// - Throws: ``SessionSnapshotError`` for an unknown version, short or trailing bytes, or
    ///   out-of-range values.
    public init(serialized: SecureBytes) throws(SessionSnapshotError) {
        var bytes = serialized.unprotectedBytes()
        defer { _ = SecureBytes(zeroingAfterCopy: &bytes) }
        var reader = SnapshotReader(ByteReader(bytes))
        let version = try reader.byte("version")
        guard version == 1 || version == Self.serializationVersion else { throw .unsupportedVersion(version) }
        let current = try reader.flag("current") ? try SessionState(reading: &reader, format: version) : nil
        let archivedCount = Int(try reader.byte("archived count"))
        guard archivedCount <= ParleyV1.maxArchivedSessions else { throw .invalidValue(field: "archived count") }
        var archived: [SessionState] = []
        for _ in 0..<archivedCount { archived.append(try SessionState(reading: &reader, format: version)) }
        guard reader.isAtEnd else { throw .trailingBytes }
        self.init(current: current, archived: archived)
    }
}

extension SessionState {
    func write(to writer: inout ByteWriter) {
        writer.write(version.rawValue)
        writer.write(associatedData)
        writer.write(remoteIdentityKey.rawRepresentation)
        writer.write(baseKey.rawRepresentation)
        writer.write(handshakePreKeys.signedPreKey.rawRepresentation)
        writer.writeOptional(handshakePreKeys.oneTimePreKey) { $0.write($1.rawRepresentation) }
        writer.writeOptional(handshakePreKeys.pqxdh) { writer, pqxdh in
            writer.write(pqxdh.preKeyID.rawRepresentation)
            writer.write(pqxdh.ciphertext.rawRepresentation)
        }
        writer.write(UInt8(isAwaitingResponse ? 1 : 0))
        ratchet.write(to: &writer)
    }

    /// Reads one session of snapshot format `format` (1: Parley-v1 only, no suite byte).
    init(reading reader: inout SnapshotReader, format: UInt8) throws(SessionSnapshotError) {
        var version = ProtocolVersion.v1
        if format >= 2 {
            let raw = try reader.byte("suite")
            guard let known = ProtocolVersion(rawValue: raw) else { throw .invalidValue(field: "suite") }
            version = known
        }
        let associatedData = Array(try reader.bytes(64, "associated data"))
        let remoteIdentityKey = try reader.ed25519PublicKey("remote identity key")
        let baseKey = try reader.x25519PublicKey("base key")
        let signedPreKey = try reader.x25519PublicKey("handshake signed prekey")
        let oneTimePreKey =
            try reader.flag("handshake one-time prekey")
            ? try reader.x25519PublicKey("handshake one-time prekey") : nil
        var pqxdh: PQXDHPrefix?
        if format >= 2, try reader.flag("handshake PQ prekey") {
            let id = try reader.bytes(PQPreKeyID.byteCount, "handshake PQ prekey id")
            let ct = try reader.bytes(MLKEM.ciphertextByteCount, "handshake ciphertext")
            do {
                pqxdh = PQXDHPrefix(
                    preKeyID: try PQPreKeyID(rawRepresentation: id), ciphertext: try MLKEM.Ciphertext(rawRepresentation: ct))
            } catch {
                throw .invalidValue(field: "handshake PQ prekey")
            }
        }
        guard (pqxdh != nil) == (version == .v2) else { throw .invalidValue(field: "handshake PQ prekey") }
        let awaitingResponse = try reader.flag("awaiting response")
        self.init(
            ratchet: try RatchetState(reading: &reader, version: version), associatedData: associatedData,
            remoteIdentityKey: remoteIdentityKey, baseKey: baseKey,
            handshakePreKeys: HandshakePreKeys(signedPreKey: signedPreKey, oneTimePreKey: oneTimePreKey, pqxdh: pqxdh),
            isAwaitingResponse: awaitingResponse)
    }
}

extension RatchetState {
    /// Writes everything but the suite, which the session writes first.
    func write(to writer: inout ByteWriter) {
        writer.write(rootKey.secret)
        writer.write(sendingRatchetKey.rawRepresentation)
        writer.write(sendingRatchetKey.publicKey.rawRepresentation)
        writer.writeOptional(remoteRatchetKey) { $0.write($1.rawRepresentation) }
        for chain in [sendingChain, receivingChain] {
            writer.writeOptional(chain) { writer, chain in
                writer.write(chain.secret)
                writer.write(chain.index)
            }
        }
        writer.write(previousSendingChainLength)
        let skipped = skippedMessageKeys.inInsertionOrder
        writer.write(UInt32(skipped.count))
        for (identifier, key) in skipped {
            writer.write(identifier.ratchetKey.rawRepresentation)
            writer.write(identifier.messageNumber)
            writer.write(key)
        }
        writer.write(UInt8(previousRemoteRatchetKeys.count))
        for key in previousRemoteRatchetKeys { writer.write(key.rawRepresentation) }
    }

    init(reading reader: inout SnapshotReader, version: ProtocolVersion) throws(SessionSnapshotError) {
        let rootKey = RootKey(secret: try reader.secret("root key"))
        let ratchetSecret = try reader.secret("ratchet private key")
        let ratchetPublic = try reader.x25519PublicKey("ratchet public key")
        let sendingRatchetKey: X25519.PrivateKey
        do {
            sendingRatchetKey = try X25519.PrivateKey(restoringSecret: ratchetSecret, publicKey: ratchetPublic)
        } catch {
            throw .invalidValue(field: "ratchet private key")
        }
        let remoteRatchetKey = try reader.flag("remote ratchet key") ? try reader.x25519PublicKey("remote ratchet key") : nil
        let sendingChain = try reader.flag("sending chain") ? try reader.chainKey("sending chain") : nil
        let receivingChain = try reader.flag("receiving chain") ? try reader.chainKey("receiving chain") : nil
        let previousLength = try reader.uint32("previous chain length")
        let skippedCount = Int(try reader.uint32("skipped key count"))
        guard skippedCount <= ParleyV1.maxStoredSkippedKeys else { throw .invalidValue(field: "skipped key count") }
        var skipped = SkippedMessageKeys()
        for _ in 0..<skippedCount {
            let ratchetKey = try reader.x25519PublicKey("skipped key ratchet key")
            let number = try reader.uint64("skipped key number")
            let key = try reader.secret("skipped key")
            guard skipped.key(ratchetKey: ratchetKey, messageNumber: number) == nil else {
                throw .invalidValue(field: "skipped key (duplicate entry)")
            }
            skipped.insert(key, ratchetKey: ratchetKey, messageNumber: number)
        }
        let previousCount = Int(try reader.byte("previous ratchet key count"))
        guard previousCount <= ParleyV1.maxRememberedReceivingChains else {
            throw .invalidValue(field: "previous ratchet key count")
        }
        var previous: [X25519.PublicKey] = []
        for _ in 0..<previousCount { previous.append(try reader.x25519PublicKey("previous ratchet key")) }
        self.init(
            version: version, rootKey: rootKey, sendingRatchetKey: sendingRatchetKey, remoteRatchetKey: remoteRatchetKey,
            sendingChain: sendingChain, receivingChain: receivingChain, previousSendingChainLength: previousLength,
            skippedMessageKeys: skipped, previousRemoteRatchetKeys: previous)
    }
}

/// ``ByteReader`` with snapshot errors that name the field.
struct SnapshotReader {
    private var reader: ByteReader

    init(_ reader: ByteReader) { self.reader = reader }

    var isAtEnd: Bool { reader.isAtEnd }

    mutating func byte(_ field: String) throws(SessionSnapshotError) -> UInt8 {
        guard let value = reader.readByte() else { throw .truncated(field: field) }
        return value
    }

    mutating func flag(_ field: String) throws(SessionSnapshotError) -> Bool {
        switch try byte(field) {
        case 0: return false
        case 1: return true
        default: throw .invalidValue(field: field)
        }
    }

    mutating func bytes(_ count: Int, _ field: String) throws(SessionSnapshotError) -> ArraySlice<UInt8> {
        guard let value = reader.readBytes(count) else { throw .truncated(field: field) }
        return value
    }

    mutating func uint32(_ field: String) throws(SessionSnapshotError) -> UInt32 {
        guard let value = reader.readUInt32() else { throw .truncated(field: field) }
        return value
    }

    mutating func uint64(_ field: String) throws(SessionSnapshotError) -> UInt64 {
        guard let value = reader.readUInt64() else { throw .truncated(field: field) }
        return value
    }

    mutating func secret(_ field: String) throws(SessionSnapshotError) -> SecureBytes {
        SecureBytes(copying: try bytes(32, field))
    }

    mutating func x25519PublicKey(_ field: String) throws(SessionSnapshotError) -> X25519.PublicKey {
        let raw = try bytes(32, field)
        do { return try X25519.PublicKey(rawRepresentation: raw) } catch { throw .invalidValue(field: field) }
    }

    mutating func ed25519PublicKey(_ field: String) throws(SessionSnapshotError) -> Ed25519.PublicKey {
        let raw = try bytes(32, field)
        do { return try Ed25519.PublicKey(rawRepresentation: raw) } catch { throw .invalidValue(field: field) }
    }

    mutating func chainKey(_ field: String) throws(SessionSnapshotError) -> ChainKey {
        let secret = try secret(field)
        return ChainKey(secret: secret, index: try uint64(field + " index"))
    }
}

extension ByteWriter {
    mutating func write(_ secret: SecureBytes) {
        secret.withUnsafeBytes { bytes.append(contentsOf: $0) }
    }

    mutating func writeOptional<T>(_ value: T?, _ body: (inout ByteWriter, T) -> Void) {
        guard let value else {
            write(UInt8(0))
            return
        }
        write(UInt8(1))
        body(&self, value)
    }
}

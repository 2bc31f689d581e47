import ParleyCrypto

/// The Double Ratchet state of one session, following Signal's Double Ratchet specification §3
/// (Specs/protocol.md §4), plus bounded memory of previous receiving chains for duplicate
/// detection.
///
/// A value type: decryption runs on a copy and the caller keeps the copy only on success, so a
/// failed decrypt leaves the state exactly as it was.
struct RatchetState: Sendable {
    /// The suite: KDF_RK's info and every header's version byte.
    let version: ProtocolVersion
    /// RK.
    var rootKey: RootKey
    /// DHs: our current ratchet key pair (its public key is cached, not re-derived per message).
    var sendingRatchetKey: X25519.PrivateKey
    /// DHr: the peer's current ratchet public key, once known.
    var remoteRatchetKey: X25519.PublicKey?
    /// CKs and Ns.
    var sendingChain: ChainKey?
    /// CKr and Nr.
    var receivingChain: ChainKey?
    /// PN.
    var previousSendingChainLength: UInt32
    /// MKSKIPPED.
    var skippedMessageKeys = SkippedMessageKeys()
    /// DHr values of earlier receiving chains, newest first (at most
    /// ``ParleyV1/maxRememberedReceivingChains``).
    var previousRemoteRatchetKeys: [X25519.PublicKey] = []

    /// RatchetInitAlice(SK, SPK_B): draws Alice's first ratchet key from `random`.
    static func initiator(
        version: ProtocolVersion, sharedSecret: SecureBytes, remoteRatchetKey: X25519.PublicKey, random: some RandomSource
    ) throws(ProtocolError) -> RatchetState {
        let ratchetKey = X25519.PrivateKey(random: random)
        let (rootKey, sendingChain) = try RootKey(secret: sharedSecret).advance(
            ours: ratchetKey, theirs: remoteRatchetKey, version: version)
        return RatchetState(
            version: version, rootKey: rootKey, sendingRatchetKey: ratchetKey, remoteRatchetKey: remoteRatchetKey,
            sendingChain: sendingChain, receivingChain: nil, previousSendingChainLength: 0)
    }

    /// RatchetInitBob(SK, SPK_B key pair).
    static func responder(version: ProtocolVersion, sharedSecret: SecureBytes, signedPreKey: X25519.PrivateKey)
        -> RatchetState
    {
        RatchetState(
            version: version, rootKey: RootKey(secret: sharedSecret), sendingRatchetKey: signedPreKey, remoteRatchetKey: nil,
            sendingChain: nil, receivingChain: nil, previousSendingChainLength: 0)
    }

    // MARK: Encrypt

    /// RatchetEncrypt: the next message on the sending chain.
    ///
    /// - Throws: ``ProtocolError/noSession`` when no sending chain exists yet (a responder that
    ///   has not received anything); ``ProtocolError/sendingChainExhausted`` after 2^32 messages.
    mutating func encrypt(_ plaintext: [UInt8], associatedData: [UInt8], random: some RandomSource) throws(ProtocolError)
        -> RatchetMessage
    {
        guard let chain = sendingChain else { throw .noSession }
        guard let number = UInt32(exactly: chain.index) else { throw .sendingChainExhausted }
        let messageKey = chain.messageKey()
        let header = MessageHeader(
            version: version, ratchetKey: sendingRatchetKey.publicKey, previousChainLength: previousSendingChainLength,
            messageNumber: number)
        // One buffer: HEADER || nonce || ciphertext-with-tag, sealed in place.
        var writer = ByteWriter(
            capacity: MessageHeader.byteCount + XChaCha20Poly1305.nonceByteCount + plaintext.count
                + XChaCha20Poly1305.tagByteCount)
        header.write(to: &writer)
        writer.write(repeatElement(0, count: XChaCha20Poly1305.nonceByteCount + plaintext.count + XChaCha20Poly1305.tagByteCount))
        var wire = writer.bytes
        try messageKey.seal(plaintext, sessionAssociatedData: associatedData, into: &wire, random: random)
        sendingChain = chain.next()
        return RatchetMessage(header: header, serialized: wire)
    }

    // MARK: Decrypt

    /// RatchetDecrypt (Specs/protocol.md §4.6). On error `self` may be partly updated: call it
    /// only on a scratch copy that is dropped on failure (``SessionCipher`` does), never on the
    /// state to keep.
    ///
    /// The message is authenticated before anything is stored or drawn: a forged header costs at
    /// most one X25519 and `N` chain steps, and a failed attempt draws no random key. The checks
    /// come in the specification's order, so every bad input gets the same category as before.
    mutating func decryptOnScratchCopy(_ message: RatchetMessage, associatedData: [UInt8], random: some RandomSource)
        throws(ProtocolError) -> [UInt8]
    {
        let header = message.header
        // A message of the other suite was not sent by this session (its header, version byte
        // included, is authenticated, so it could not decrypt anyway).
        guard header.version == version else { throw .authentication }
        let number = UInt64(header.messageNumber)
        if let skipped = skippedMessageKeys.key(ratchetKey: header.ratchetKey, messageNumber: number) {
            let plaintext = try Self.open(message, with: MessageKey(secret: skipped), associatedData: associatedData)
            skippedMessageKeys.remove(ratchetKey: header.ratchetKey, messageNumber: number)
            return plaintext
        }
        if header.ratchetKey == remoteRatchetKey {
            if let chain = receivingChain, number < chain.index { throw .duplicate }
            try Self.checkSkipBound(from: receivingChain?.index ?? 0, until: number)
            guard let chain = receivingChain else { throw .authentication }
            let plaintext = try Self.open(message, with: chain.advanced(to: number).messageKey(), associatedData: associatedData)
            storeSkippedKeys(until: number)
            receivingChain = receivingChain?.next()
            return plaintext
        }
        if previousRemoteRatchetKeys.contains(header.ratchetKey) { throw .duplicate }
        let previousChainLength = UInt64(header.previousChainLength)
        try Self.checkSkipBound(from: receivingChain?.index ?? 0, until: previousChainLength)
        let (rootAfterReceive, newReceivingChain) = try rootKey.advance(
            ours: sendingRatchetKey, theirs: header.ratchetKey, version: version)
        try Self.checkSkipBound(from: 0, until: number)
        let plaintext = try Self.open(
            message, with: newReceivingChain.advanced(to: number).messageKey(), associatedData: associatedData)
        // Authentic: now the old chain's keys are stored, the ratchet turns and draws.
        storeSkippedKeys(until: previousChainLength)
        try completeDiffieHellmanRatchet(
            remoteRatchetKey: header.ratchetKey, rootKey: rootAfterReceive, receivingChain: newReceivingChain, random: random)
        storeSkippedKeys(until: number)
        receivingChain = receivingChain?.next()
        return plaintext
    }

    /// SkipMessageKeys step 1: at most MAX_SKIP keys past `received`. Checked even without a
    /// receiving chain (Nr = 0), as in Signal's pseudo-code.
    private static func checkSkipBound(from received: UInt64, until: UInt64) throws(ProtocolError) {
        if received + ParleyV1.maxSkip < until { throw .tooManySkipped(requested: until - received) }
    }

    /// SkipMessageKeys steps 2–4 (the bound already checked): stores the keys of messages
    /// Nr..<until of the current receiving chain.
    private mutating func storeSkippedKeys(until: UInt64) {
        guard var chain = receivingChain, let ratchetKey = remoteRatchetKey, chain.index < until else { return }
        while chain.index < until {
            skippedMessageKeys.insert(chain.messageKey().secret, ratchetKey: ratchetKey, messageNumber: chain.index)
            chain = chain.next()
        }
        skippedMessageKeys.trim(to: ParleyV1.maxStoredSkippedKeys)
        receivingChain = chain
    }

    /// DHRatchet(K) once its receiving half (`rootKey`, `receivingChain` from the first DH) is
    /// known: remembers the previous chain, then draws our new ratchet key (from `random`) and
    /// makes the new sending chain.
    private mutating func completeDiffieHellmanRatchet(
        remoteRatchetKey newRemoteKey: X25519.PublicKey, rootKey rootAfterReceive: RootKey, receivingChain receiving: ChainKey,
        random: some RandomSource
    ) throws(ProtocolError) {
        // Only a key that had a receiving chain is a previous chain (Alice's initial DHr, the
        // responder's SPK, never carried messages).
        if let previous = remoteRatchetKey, receivingChain != nil {
            previousRemoteRatchetKeys.insert(previous, at: 0)
            if previousRemoteRatchetKeys.count > ParleyV1.maxRememberedReceivingChains {
                previousRemoteRatchetKeys.removeLast()
            }
        }
        previousSendingChainLength = UInt32(clamping: sendingChain?.index ?? 0)
        remoteRatchetKey = newRemoteKey
        let newRatchetKey = X25519.PrivateKey(random: random)
        let (rootAfterSend, sending) = try rootAfterReceive.advance(ours: newRatchetKey, theirs: newRemoteKey, version: version)
        rootKey = rootAfterSend
        receivingChain = receiving
        sendingChain = sending
        sendingRatchetKey = newRatchetKey
    }

    /// True when a message with a ratchet key this session has never seen can belong to it: the
    /// peer makes a new ratchet key only after seeing our current one, which it sees only in a
    /// message we sent with it (Ns > 0). Specs/protocol.md §6.4 step 3.
    var canReceiveNewRatchetKey: Bool { (sendingChain?.index ?? 0) > 0 }

    /// True when `ratchetKey` names a receiving chain this session knows (current or
    /// remembered), or `(ratchetKey, number)` a skipped key it holds: the message can belong
    /// to no other session.
    func knows(ratchetKey: X25519.PublicKey, messageNumber: UInt64) -> Bool {
        ratchetKey == remoteRatchetKey || previousRemoteRatchetKeys.contains(ratchetKey)
            || skippedMessageKeys.key(ratchetKey: ratchetKey, messageNumber: messageNumber) != nil
    }

    private static func open(_ message: RatchetMessage, with key: consuming MessageKey, associatedData: [UInt8])
        throws(ProtocolError) -> [UInt8]
    {
        let secret = key.secret
        return try message.withParts { header, nonce, ciphertext in
            MessageKey.withAssociatedData(associatedData, header: header) { ad in
                Result { () throws(ProtocolError) in
                    try MessageKey(secret: secret).open(ciphertext, nonce: nonce, associatedData: ad)
                }
            }
        }.get()
    }
}

import ParleyServerAPI

/// The envelope body (ParleyServerAPI) from a stored envelope.
extension EnvelopeJSON {
    init(_ envelope: Envelope) {
        self.init(
            id: envelope.id, senderUser: envelope.sender.user.rawValue, senderDevice: envelope.sender.device,
            timestamp: envelope.timestamp, body: JSONOutput.base64(envelope.body))
    }
}

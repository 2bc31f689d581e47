import ParleyServerAPI

/// Conversions between the account and device bodies (ParleyServerAPI) and stored records.
extension DeviceJSON {
    init(_ record: DeviceRecord) {
        self.init(
            id: record.id, identityKey: JSONOutput.base64(record.identityKey.rawRepresentation),
            certificate: JSONOutput.base64(record.certificate))
    }

    /// Parses keys and certificate (lengths only; the caller verifies the certificate).
    func record() throws(ServerError) -> DeviceRecord {
        DeviceRecord(
            id: id, identityKey: try JSONInput.ed25519Key(identityKey, field: "identity_key"),
            certificate: try JSONInput.signature(certificate, field: "certificate", error: .invalidCertificate))
    }
}

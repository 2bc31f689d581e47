import ParleyServerAPI

/// The claim response's bundle (ParleyServerAPI) from a stored bundle.
extension BundleJSON {
    init(_ bundle: PreKeyBundleRecord) {
        self.init(
            device: bundle.device.id, identityKey: JSONOutput.base64(bundle.device.identityKey.rawRepresentation),
            certificate: JSONOutput.base64(bundle.device.certificate),
            signedPreKey: JSONOutput.base64(bundle.signedPreKey.key.rawRepresentation),
            signedPreKeySignature: JSONOutput.base64(bundle.signedPreKey.signature),
            oneTimePreKey: bundle.oneTimePreKey.map { JSONOutput.base64($0.rawRepresentation) },
            pqPreKey: bundle.pqPreKey.map {
                ClaimedPQPreKeyJSON(
                    key: JSONOutput.base64($0.record.key), signature: JSONOutput.base64($0.record.signature),
                    lastResort: $0.lastResort)
            })
    }
}

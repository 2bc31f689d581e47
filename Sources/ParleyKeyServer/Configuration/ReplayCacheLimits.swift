/// The bounds of an in-memory replay cache (``ServerLimits/replayCache``).
public struct ReplayCacheLimits: Sendable, Equatable {
    /// Records over all devices.
    public var records: Int
    /// Records of one device.
    public var recordsPerDevice: Int

    /// Creates bounds.
    /// - Parameters:
    ///   - records: records over all devices.
    ///   - recordsPerDevice: records of one device.
    public init(records: Int, recordsPerDevice: Int) {
        self.records = records
        self.recordsPerDevice = recordsPerDevice
    }
}

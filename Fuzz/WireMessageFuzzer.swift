// libFuzzer entry point for the parsers of outside bytes: Parley wire messages (v1 and v2) and stored
// session records. Built by `make fuzz` with `swiftc -sanitize=fuzzer,address`; any crash,
// trap or sanitizer report is a failure. Every input must give a value or a typed error.
import ParleyCrypto
import ParleyProtocol

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzWireParsers(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    if let message = try? WireMessage(serialized: bytes) {
        // A parsed message must re-encode to exactly the bytes it came from.
        if message.serialized != bytes { fatalError("wire message does not keep its received bytes") }
    }
    _ = try? RatchetMessage(serialized: bytes)
    _ = try? PreKeyMessage(serialized: bytes)
    _ = try? SessionRecord(serialized: SecureBytes(copying: bytes))
    return 0
}

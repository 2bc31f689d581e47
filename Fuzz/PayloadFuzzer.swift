// libFuzzer entry point for the parser of end-to-end payloads (Specs/client.md, "Payload"): the
// plaintext a peer chose, so as hostile as any outside bytes. Built by `make fuzz` with
// `swiftc -sanitize=fuzzer,address`; any crash, trap or sanitizer report is a failure.
import ParleyPayload

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPayloadParser(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    if let payload = try? MessagePayload(decoding: bytes) {
        // The encoding is canonical: whatever decodes re-encodes to exactly the same bytes.
        if payload.encode() != bytes { fatalError("payload encoding is not canonical") }
    }
    return 0
}

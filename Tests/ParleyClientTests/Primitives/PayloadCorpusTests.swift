import Foundation
import ParleyPayload
import Testing

/// The payload fuzzer's seeds (Fuzz/corpus/payload) are valid payloads of every kind, so that
/// fuzzing starts from the accepting paths of the parser.
@Suite struct PayloadCorpusTests {
    @Test func everySeedDecodesAndReencodes() throws {
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fuzz/corpus/payload")
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        #expect(names == ["attachment.bin", "receipt.bin", "synced.bin", "text.bin"])
        for name in names {
            let bytes = Array(try Data(contentsOf: folder.appendingPathComponent(name)))
            let payload = try MessagePayload(decoding: bytes)
            #expect(payload.encode() == bytes, "\(name)")
        }
    }
}

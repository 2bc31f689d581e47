import ArgumentParser
import Foundation
import ParleyProtocol
import ParleyVectors

/// `parley-vectors FILE...`: replays Parley test vectors and prints PASS/FAIL per file.
@main
struct ParleyVectorsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "parley-vectors",
        abstract: "Replay Parley-v1 and Parley-v2 test vectors (JSON, format parley-test-vectors/1).",
        discussion:
            "Prints a PASS or FAIL line per file, then \"N passed, M failed\". Exits 0 only when all pass. With --emit, writes vectors of random conversations instead, for other implementations to replay."
    )

    @Argument(help: "Vector files, or directories whose *.json files are all replayed.")
    var paths: [String] = []

    @Option(
        name: .customLong("emit"),
        help: "Instead of replaying, write random session vectors made by this implementation into DIR.")
    var emitDirectory: String?

    @Option(help: "With --emit: how many vectors to write.")
    var count = 5

    @Option(help: "With --emit: the first seed (vector k uses seed + k).")
    var seed: UInt64 = 1

    @Option(help: "With --emit: the suite of the emitted conversations, v1 or v2.")
    var suite = "v1"

    func validate() throws {
        if emitDirectory == nil, paths.isEmpty { throw ValidationError("Give at least one vector file or directory.") }
        if emitDirectory != nil, !paths.isEmpty {
            throw ValidationError("--emit writes vectors; give no files to replay with it.")
        }
        if !(1...1000).contains(count) { throw ValidationError("--count must be between 1 and 1000.") }
        if !["v1", "v2"].contains(suite) { throw ValidationError("--suite must be v1 or v2.") }
    }

    func run() async throws {
        if let emitDirectory {
            let urls = try VectorEmitter.write(
                count: count, firstSeed: seed, to: URL(fileURLWithPath: emitDirectory), version: suite == "v2" ? .v2 : .v1)
            for url in urls { print("wrote \(url.path)") }
            return
        }
        let files = try expand(paths)
        if files.isEmpty { throw ValidationError("No .json vector files were found under the given paths.") }
        var passed = 0
        var failed = 0
        for file in files {
            let outcome = await VectorRunner.run(fileAt: file)
            if let failure = outcome.failure {
                failed += 1
                print("FAIL \(file.lastPathComponent) [\(outcome.name)]: \(failure)")
            } else {
                passed += 1
                print("PASS \(file.lastPathComponent) [\(outcome.name)]")
            }
        }
        print("\(passed) passed, \(failed) failed")
        if failed > 0 { throw ExitCode.failure }
    }

    private func expand(_ paths: [String]) throws -> [URL] {
        var files: [URL] = []
        for path in paths {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                throw ValidationError("\(path) does not exist.")
            }
            let url = URL(fileURLWithPath: path)
            if isDirectory.boolValue {
                let entries = try FileManager.default.contentsOfDirectory(at: url, includingPropertiesForKeys: nil)
                files += entries.filter { $0.pathExtension == "json" }.sorted { $0.lastPathComponent < $1.lastPathComponent }
            } else {
                files.append(url)
            }
        }
        return files
    }
}

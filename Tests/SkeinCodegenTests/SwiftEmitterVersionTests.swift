import Foundation
import SkeinCodegen
import Testing

/// `generate --check --offline` trusts files whose inputs have not changed (``GeneratedFingerprint``), and
/// ``SwiftEmitter/formatVersion`` is part of those inputs: the emitter's output for a fixed project must change only
/// with it. The project is examples/agentflow, generated from its committed describe cache (no PostgreSQL).
@Suite("SwiftEmitter.formatVersion moves with the emitter's output")
struct SwiftEmitterVersionTests {
    /// The SHA-256 of examples/agentflow's generated files (names and bytes, in name order) per format version.
    /// When this test fails, the output changed: bump `SwiftEmitter.formatVersion` and add its hash here (the old
    /// entries stay, so a version is never reused for other bytes). Bump it too when the analysis changes what other
    /// projects generate, even if this one's bytes stay.
    static let outputs: [Int: String] = [
        1: "6bbc6b6474604b959ba28b5b5d0f523942453805ecd3a73163f70de2a96aa1dd",
        // Tighter nullability of computed columns; the example has none it changes.
        2: "6bbc6b6474604b959ba28b5b5d0f523942453805ecd3a73163f70de2a96aa1dd",
        // tsquery mapped (a table with such a column now has a model); the example has none.
        3: "6bbc6b6474604b959ba28b5b5d0f523942453805ecd3a73163f70de2a96aa1dd",
        // hstore, ltree and composite types mapped (their tables now have models); the example has none.
        4: "6bbc6b6474604b959ba28b5b5d0f523942453805ecd3a73163f70de2a96aa1dd",
        // CopyText gains `hex` and `array` (:copyfrom of arrays); multi-dimensional arrays and numeric[] mapped.
        5: "7239bbd61ccc1b198ff0a2733dd0ed853788b8ddd4422a90abe5f1f0edd44b09",
        // Multi-dimensional arrays of generated enums mapped; the example has none.
        6: "7239bbd61ccc1b198ff0a2733dd0ed853788b8ddd4422a90abe5f1f0edd44b09",
        // Arrays of domains read through PostgresDomainArray (domains over date and others an error); the example has
        // none.
        7: "7239bbd61ccc1b198ff0a2733dd0ed853788b8ddd4422a90abe5f1f0edd44b09",
    ]

    @Test("the output for examples/agentflow is the one recorded for the current format version")
    func outputMatchesVersion() async throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let base = root.appendingPathComponent("examples/agentflow").path
        let text = try String(contentsOfFile: base + "/sqlc.yaml", encoding: .utf8)
        let package = try #require(try CodegenConfiguration.parse(text, path: "sqlc.yaml").packages.first)
        let cachePath = DescribeCache.path(forOut: package.options.out, base: base)
        let cache = try DescribeCache.read(path: cachePath)
        let result = try await CodeGenerator.generate(
            package, base: base, describer: CachedDescriber(cache, path: cachePath))
        let hash = GeneratedFingerprint(inputs: "", generated: result.files, queries: 0).files.sorted {
            $0.key < $1.key
        }
        .map { "\($0.key) \($0.value)" }.joined(separator: "\n")
        let digest = GeneratedFingerprint(
            inputs: "", generated: [GeneratedFile(path: "all", contents: hash)], queries: 0
        ).files["all"]
        #expect(
            Self.outputs[SwiftEmitter.formatVersion] == digest,
            "the emitter's output changed (now \(digest ?? "")): bump SwiftEmitter.formatVersion and record the hash in SwiftEmitterVersionTests.outputs"
        )
        // And the committed code is that output.
        for file in result.files {
            let committed = try String(contentsOfFile: base + "/Generated/" + file.path, encoding: .utf8)
            #expect(committed == file.contents, "examples/agentflow/Generated/\(file.path) is stale")
        }
    }
}

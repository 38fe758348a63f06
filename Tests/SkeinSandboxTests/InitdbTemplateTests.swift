import Foundation
import Testing

@testable import SkeinSandbox

@Suite("initdb template: reused only when it can be trusted", .enabled(if: Fixtures.hasInstallation))
struct InitdbTemplateTests {
    @Test("a second cluster in the same place is copied from the template and works")
    func reused() async throws {
        let parent = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: parent) }
        var options = try await Fixtures.options()
        options.parentDirectory = parent
        let template = InitdbTemplate(options: options, account: try options.serverUser.resolve())
        #expect(!template.isUsable)
        // Told apart by their directories: the second cluster may well get the port the first one let go.
        let first = try await withEphemeralCluster(options: options, logger: Fixtures.logger) { $0.directory }
        #expect(template.isUsable, "the first cluster leaves a template")
        let second = try await withEphemeralCluster(options: options, logger: Fixtures.logger) { cluster in
            // The copied cluster starts and has the superuser initdb made.
            #expect(Fixtures.exists(cluster.dataDirectory + "/PG_VERSION"))
            return cluster.directory
        }
        #expect(first != second)
        let left = try FileManager.default.contentsOfDirectory(atPath: parent)
        #expect(left == [(template.path as NSString).lastPathComponent], "only the template stays: \(left)")
    }

    @Test("a template someone else could have written is ignored")
    func untrusted() async throws {
        let parent = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: parent) }
        var options = try await Fixtures.options()
        options.parentDirectory = parent
        let template = InitdbTemplate(options: options, account: try options.serverUser.resolve())
        try FileManager.default.createDirectory(atPath: template.path, withIntermediateDirectories: false)
        _ = FileManager.default.createFile(atPath: template.path + "/PG_VERSION", contents: Data("15\n".utf8))
        chmod(template.path, 0o755)
        #expect(!template.isUsable, "group/other permissions")
        chmod(template.path, 0o700)
        if getuid() == 0, template.ownerID != 0 {
            #expect(!template.isUsable, "owned by root, not by the server's account")
        }
        try FileManager.default.removeItem(atPath: template.path)
        try FileManager.default.createSymbolicLink(atPath: template.path, withDestinationPath: parent)
        #expect(!template.isUsable, "a symbolic link")
    }
}

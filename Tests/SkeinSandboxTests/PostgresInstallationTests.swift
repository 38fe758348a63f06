import Foundation
import SkeinSandbox
import Testing

@Suite("Locating PostgreSQL")
struct PostgresInstallationTests {
    @Test(
        "reads the version from the programs' --version output",
        arguments: [
            ("pg_ctl (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)\n", "15.18", 15),
            ("initdb (PostgreSQL) 17.2\n", "17.2", 17),
            ("postgres (PostgreSQL) 18beta1", "18beta1", 18),
        ]
    )
    func parsesVersion(output: String, text: String, major: Int) throws {
        let version = try #require(PostgresVersion(parsing: output))
        #expect(version.text == text)
        #expect(version.major == major)
    }

    @Test("rejects output without a version")
    func rejectsGarbage() {
        #expect(PostgresVersion(parsing: "pg_ctl: command not found") == nil)
        #expect(PostgresVersion(parsing: "pg_ctl (PostgreSQL) beta") == nil)
    }

    @Test("finds the installed PostgreSQL", .enabled(if: Fixtures.hasInstallation))
    func findsRealInstallation() async throws {
        let installation = try await Fixtures.installation()
        #expect(installation.majorVersion >= 10)
        #expect(FileManager.default.isExecutableFile(atPath: installation.path(of: "initdb")))
        #expect(FileManager.default.isExecutableFile(atPath: installation.path(of: "pg_ctl")))
        #expect(installation.version.hasPrefix("\(installation.majorVersion)"))
    }

    @Test("prefers PATH, then the highest versioned directory")
    func searchOrder() async throws {
        let root = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        for version in ["9.6", "13", "16", "notaversion"] {
            try makeFakeInstallation(
                in: "\(root)/lib/\(version)/bin", version: version == "9.6" ? "9.6.24" : "\(version).1")
        }
        try makeFakeInstallation(in: "\(root)/path-bin", version: "14.3")
        let locations = PostgresInstallation.SearchLocations(versionedRoots: [
            .init(directory: "\(root)/lib", prefix: "")
        ])

        let candidates = await PostgresInstallation.candidateDirectories(
            environment: ["PATH": "\(root)/empty:\(root)/path-bin/"],
            searchLocations: locations,
            logger: Fixtures.logger
        )
        #expect(
            candidates == [
                "\(root)/empty", "\(root)/path-bin", "\(root)/lib/16/bin", "\(root)/lib/13/bin", "\(root)/lib/9.6/bin",
            ])

        let fromPath = try await PostgresInstallation.locate(
            environment: ["PATH": "\(root)/empty:\(root)/path-bin"],
            searchLocations: locations,
            logger: Fixtures.logger
        )
        #expect(fromPath == PostgresInstallation(binDirectory: "\(root)/path-bin", version: "14.3", majorVersion: 14))

        let fromVersioned = try await PostgresInstallation.locate(
            environment: ["PATH": "\(root)/empty"],
            searchLocations: locations,
            logger: Fixtures.logger
        )
        #expect(fromVersioned.binDirectory == "\(root)/lib/16/bin")
        #expect(fromVersioned.majorVersion == 16)
    }

    @Test("says how to install PostgreSQL when nothing is found")
    func notFound() async throws {
        let root = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let error = await #expect(throws: SandboxError.self) {
            try await PostgresInstallation.locate(
                environment: ["PATH": root], searchLocations: .none, logger: Fixtures.logger)
        }
        #expect(error?.code == .installationNotFound)
        #expect(error?.searched == [root])
        let text = try #require(error?.description)
        #expect(text.hasPrefix("initdb not found: install PostgreSQL (Debian: apt-get install postgresql"))
        #expect(text.contains("or put its bin directory on PATH"))
        #expect(text.contains(root))
    }

    /// Writes executable `initdb` and `pg_ctl` scripts that print `version`.
    private func makeFakeInstallation(in directory: String, version: String) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        for program in ["initdb", "pg_ctl"] {
            let path = directory + "/" + program
            try "#!/bin/sh\necho '\(program) (PostgreSQL) \(version)'\n".write(
                toFile: path, atomically: true, encoding: .utf8)
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path)
        }
    }
}

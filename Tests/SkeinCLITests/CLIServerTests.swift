import Foundation
import Logging
import SkeinSandbox
import SkeinTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Tests that need a server of their own: restarted mid-run, or configured for TLS and passwords.
@Suite("skein binary: a server of its own (restart, TLS, passwords)", .requiresPostgreSQL)
struct CLIServerTests {
    let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

    func withCluster(
        settings: [String: String] = [:], prepare: (SandboxCluster) throws -> Void = { _ in },
        _ body: (inout SandboxCluster) async throws -> Void
    ) async throws {
        let environment = ProcessInfo.processInfo.environment
        let installation = try await PostgresInstallation.locate(environment: environment, logger: logger)
        var options = SandboxOptions(installation: installation, parentDirectory: environment["TMPDIR"] ?? "/tmp")
        options.settings.merge(settings) { $1 }
        var cluster = try await SandboxCluster.create(options: options, logger: logger)
        do {
            try prepare(cluster)
            try await cluster.start(logger: logger)
            try await body(&cluster)
        } catch {
            try? cluster.destroyImmediately()
            throw error
        }
        try? cluster.destroyImmediately()
    }

    /// Writes `text` into the cluster's data directory, owned by the server's account.
    func install(_ text: String, as name: String, in cluster: SandboxCluster, mode: mode_t = 0o600) throws {
        let path = cluster.dataDirectory + "/" + name
        try text.write(toFile: path, atomically: false, encoding: .utf8)
        chmod(path, mode)
        if let account = cluster.serverAccount { chown(path, uid_t(account.userID), gid_t(account.groupID)) }
    }

    @discardableResult
    func psql(_ sql: String, on cluster: SandboxCluster) async throws -> String {
        let output = try await ChildProcess.run(
            "psql",
            [
                "-X", "-q", "-h", cluster.socketDirectory, "-p", "\(cluster.port)", "-U", "postgres", "-d", "postgres",
                "-tA", "-v", "ON_ERROR_STOP=1", "-c", sql,
            ])
        #expect(output.status == 0, "psql \(sql): \(output.stderr)")
        return output.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test("the server restarted mid-run: the run fails naming the migration, a rerun applies it exactly once")
    func serverRestart() async throws {
        let dir = try MigrationsDirectory()
        defer { dir.delete() }
        try dir.write("00001_a.sql", "-- +goose Up\nCREATE TABLE a (id int);\n-- +goose Down\nDROP TABLE a;\n")
        try dir.write(
            "00002_b.sql",
            "-- +goose Up\nCREATE TABLE b (id int);\n\(Barrier.statement);\n-- +goose Down\nDROP TABLE b;\n")
        try await withCluster { cluster in
            let url = try DatabaseURL(parsing: cluster.url)
            try await Barrier.holding(on: url) { barrier in
                let process = try await SkeinBinary.start([
                    "up", "--dir", dir.path, "--database-url", cluster.url, "--lock-timeout", "0",
                ])
                #expect(try await barrier.waitForWaiter())
                cluster.portSelection = .fixed(cluster.port)
                try await cluster.stop(mode: .fast, logger: logger)
                try await cluster.start(logger: logger)
                try? await barrier.release()
                let ended = await process.wait()
                let output = process.stdout
                #expect(ended.status == 1 && !ended.signalled, "\(output)")
                #expect(output.contains("OK   00001_a.sql"), "\(output)")
                #expect(
                    output.contains("\(dir.path)/00002_b.sql:3: ") && output.contains("applied 1 migration before it"),
                    "\(output)")
                #expect(output.contains("57P01") || output.contains("connection"), "\(output)")
            }

            let rerun = try await SkeinBinary.run(["up", "--dir", dir.path, "--database-url", cluster.url])
            #expect(rerun.status == 0, "\(rerun.stderr)")
            #expect(rerun.stdout.contains("OK   00002_b.sql"))
            #expect(
                try await rows("SELECT version_id::text FROM goose_db_version ORDER BY id", on: url) == [
                    ["0"], ["1"], ["2"],
                ])
        }
    }

    @Test("a server that requires TLS and a password: sslmode and password errors are clear, never show it")
    func tlsAndPasswords() async throws {
        let scratch = try MigrationsDirectory()
        defer { scratch.delete() }
        let key = scratch.url.appendingPathComponent("server.key").path
        let certificate = scratch.url.appendingPathComponent("server.crt").path
        let openssl = try await ChildProcess.run(
            "openssl",
            [
                "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                "-keyout", key, "-out", certificate, "-days", "2", "-subj", "/CN=127.0.0.1", "-addext",
                "subjectAltName=IP:127.0.0.1",
            ])
        try #require(openssl.status == 0, "openssl could not make a certificate: \(openssl.stderr)")
        try scratch.write(
            "00001_a.sql",
            "-- +goose Up\nCREATE TABLE a AS SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid();\n-- +goose Down\nDROP TABLE a;\n"
        )

        try await withCluster(
            settings: ["ssl": "on", "ssl_cert_file": "server.crt", "ssl_key_file": "server.key"],
            prepare: { cluster in
                try install(try String(contentsOfFile: certificate, encoding: .utf8), as: "server.crt", in: cluster)
                try install(try String(contentsOfFile: key, encoding: .utf8), as: "server.key", in: cluster)
                try install(
                    "local all all trust\nhostssl all all 127.0.0.1/32 scram-sha-256\nhost all all 127.0.0.1/32 reject\n",
                    as: "pg_hba.conf", in: cluster)
            }
        ) { cluster in
            try await psql("ALTER USER postgres PASSWORD 'correct-horse'", on: cluster)
            let base = "postgres://postgres:%@127.0.0.1:\(cluster.port)/postgres"
            func up(_ url: String) async throws -> SkeinBinary.Result {
                try await SkeinBinary.run(["up", "--dir", scratch.path, "--database-url", url])
            }

            let plain = try await up(base.replacingOccurrences(of: "%", with: "correct-horse") + "?sslmode=disable")
            #expect(plain.status == 1)
            #expect(plain.stderr.contains("no encryption"), "\(plain.stderr)")
            #expect(!plain.stderr.contains("correct-horse"))

            let wrong = try await up(base.replacingOccurrences(of: "%", with: "battery-staple") + "?sslmode=require")
            #expect(wrong.status == 1)
            #expect(wrong.stderr.contains("password authentication failed for user \"postgres\""), "\(wrong.stderr)")
            #expect(wrong.stderr.contains("28P01"))
            #expect(!wrong.stderr.contains("battery-staple") && !wrong.stdout.contains("battery-staple"))
            // psql's words, the advice for a password, and no "is the server running" (it is).
            #expect(
                wrong.stderr.contains(
                    "connection to server at \"127.0.0.1\", port \(cluster.port) failed: FATAL: password authentication failed"
                ), "\(wrong.stderr)")
            #expect(
                wrong.stderr.contains("check the password for user \"postgres\" (it came from the connection string)"))
            #expect(!wrong.stderr.contains("Is the server running"))

            let unverified = try await up(
                base.replacingOccurrences(of: "%", with: "correct-horse") + "?sslmode=verify-full")
            #expect(unverified.status == 1, "a self-signed certificate is not trusted without sslrootcert")
            #expect(!unverified.stderr.contains("correct-horse"))

            let verified = try await up(
                base.replacingOccurrences(of: "%", with: "correct-horse")
                    + "?sslmode=verify-full&sslrootcert=\(certificate)")
            #expect(verified.status == 0, "\(verified.stderr)")
            #expect(verified.stdout.contains("OK   00001_a.sql"))

            // The migration recorded whether its own connection was encrypted.
            #expect(try await psql("SELECT bool_and(ssl)::text FROM a", on: cluster) == "true")

            let environmentPassword = try await SkeinBinary.run(
                [
                    "status", "--dir", scratch.path, "--database-url",
                    "host=127.0.0.1 port=\(cluster.port) user=postgres sslmode=require",
                ],
                environment: ["PGPASSWORD": "correct-horse"])
            #expect(environmentPassword.status == 0, "\(environmentPassword.stderr)")
        }
    }
}

@Suite("skein binary: --ephemeral", .requiresPostgreSQL)
struct CLIEphemeralTests {
    @Test("up --ephemeral migrates a throwaway PostgreSQL with no database configured")
    func ephemeral() async throws {
        let dir = CLIRunnerTests.root.appendingPathComponent("examples/agentflow/migrations").path
        let result = try await SkeinBinary.run(
            ["up", "--ephemeral", "--dir", dir],
            environment: ["DATABASE_URL": "postgres://nobody@127.0.0.1:1/none", "PGHOST": "/nonexistent"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("a throwaway PostgreSQL for this run"))
        #expect(result.stdout.contains("OK   20240101120000_initial_schema.sql"))
        #expect(result.stdout.contains("goose: successfully migrated database to version: 20240918150000"))
    }
}

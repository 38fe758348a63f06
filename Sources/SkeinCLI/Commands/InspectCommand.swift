import ArgumentParser
import Foundation
import SkeinCore

/// `skein inspect FILE...`: how goose splits each file, with lines and checksums.
struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Show how goose splits each migration file: statements per direction, with lines and checksums.",
        discussion: """
            --format json prints one JSON object per file, one per line (JSON Lines); see docs/json-output.md.
            Files with `-- +goose ENVSUB ON` show the statements with this environment substituted.
            Exit 1 when a file cannot be read or a direction does not parse.
            """
    )

    @Argument(help: "Migration files to inspect.")
    var files: [String]

    @Option(name: .long, help: "text or json.")
    var format: OutputFormat = .text

    struct StatementJSON: Encodable {
        var line: Int
        var sql: String
    }

    struct FileJSON: Encodable {
        var file: String
        var version: Int64?
        var description: String?
        var checksum: String?
        var checksums: MigrationChecksum?
        var useTx: Bool?
        var up: [StatementJSON]?
        var down: [StatementJSON]?
        var upError: String?
        var downError: String?

        func encode(to encoder: any Encoder) throws {
            // Every key is always present (null when unknown), as docs/json-output.md promises.
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(file, forKey: .file)
            try container.encode((file as NSString).lastPathComponent, forKey: .fileName)
            try container.encode(version, forKey: .version)
            try container.encode(description, forKey: .description)
            try container.encode(checksum, forKey: .checksum)
            try container.encode(checksums, forKey: .checksums)
            try container.encode(useTx, forKey: .useTx)
            try container.encode(up, forKey: .up)
            try container.encode(down, forKey: .down)
            try container.encode(upError, forKey: .upError)
            try container.encode(downError, forKey: .downError)
        }

        enum CodingKeys: String, CodingKey {
            case file, fileName, version, description, checksum, checksums, useTx, up, down, upError, downError
        }
    }

    func run() throws {
        let parser = GooseParser(environmentSubstitution: .enabled(CLIContext.current.environment))
        var failed = false
        for path in files {
            guard let data = FileManager.default.contents(atPath: path) else {
                let exists = FileManager.default.fileExists(atPath: path)
                Console.err("error: \(path): \(exists ? "cannot be read; check its permissions" : "no such file")")
                failed = true
                continue
            }
            let source = SourceFile(path: path, contents: Array(data))
            let parsedName = try? MigrationName.parse(source.fileName).get()
            let entry: FileJSON
            if let parsedName, parsedName.kind == .go {
                // A goose Go migration: listed, never parsed as SQL.
                let checksum = MigrationChecksum.fileChecksum(ofBytes: source.contents)
                entry = FileJSON(
                    file: path, version: parsedName.version, description: parsedName.description,
                    checksum: checksum, checksums: MigrationChecksum(file: checksum, up: nil, down: nil), useTx: nil,
                    up: nil, down: nil, upError: nil, downError: nil)
            } else {
                let name =
                    parsedName ?? MigrationName(fileName: source.fileName, version: 0, description: "", kind: .sql)
                entry = Self.entry(
                    Migration(file: source, name: name, parser: parser), path: path, named: parsedName != nil)
            }
            if entry.upError != nil || entry.downError != nil { failed = true }
            switch format {
            case .json: try Console.json(entry)
            case .text: Console.out(Self.text(entry))
            }
        }
        if failed { throw ExitCode(1) }
    }

    static func entry(_ migration: Migration, path: String, named: Bool) -> FileJSON {
        func statements(_ result: Result<GooseSection, GooseParseError>?) -> [StatementJSON]? {
            guard case .success(let section) = result else { return nil }
            return section.statements.map { StatementJSON(line: $0.line, sql: $0.sql) }
        }
        func error(_ result: Result<GooseSection, GooseParseError>?) -> String? {
            guard case .failure(let error) = result else { return nil }
            return error.description
        }
        return FileJSON(
            file: path, version: named ? migration.version : nil, description: named ? migration.name.description : nil,
            checksum: migration.checksum.file, checksums: migration.checksum,
            useTx: migration.transactionMode.map(\.isTransactional), up: statements(migration.up),
            down: statements(migration.down), upError: error(migration.up), downError: error(migration.down))
    }

    static func text(_ entry: FileJSON) -> String {
        var lines = [entry.file]
        var facts: [String] = []
        facts.append(entry.version.map { "version \($0)" } ?? "not a goose migration name")
        if entry.file.hasSuffix(".go") {
            lines.append(
                "  " + facts.joined(separator: " · ") + " · goose Go migration: Skein lists it but cannot run it")
            return lines.joined(separator: "\n")
        }
        if let useTx = entry.useTx { facts.append(useTx ? "in a transaction" : "NO TRANSACTION") }
        if let checksum = entry.checksum { facts.append("sha256 \(checksum.prefix(12))…") }
        lines.append("  " + facts.joined(separator: " · "))
        for (title, statements, error) in [("Up", entry.up, entry.upError), ("Down", entry.down, entry.downError)] {
            if let error {
                lines.append("  \(title): error: \(error)")
                continue
            }
            let list = statements ?? []
            lines.append("  \(title): \(list.count) statement\(list.count == 1 ? "" : "s")")
            for (index, statement) in list.enumerated() {
                lines.append("    [\(index + 1)] line \(statement.line)")
                for line in statement.sql.split(separator: "\n", omittingEmptySubsequences: false) {
                    lines.append("        " + line)
                }
            }
        }
        return lines.joined(separator: "\n")
    }
}

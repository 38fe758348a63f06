import Foundation

/// One migration file, parsed in both directions when it is read (or read with its parse deferred:
/// ``init(deferringParseOf:name:parser:)``, what the runner's commands read; or only listed, for `status`:
/// ``init(listedAt:name:parser:)``).
public struct Migration: Sendable, Hashable {
    /// The path as given (used in every message).
    public var path: String
    public var name: MigrationName
    /// The Up statements goose would send, or why goose cannot parse the Up direction. `nil` for `.go`
    /// migrations.
    public var up: Result<GooseSection, GooseParseError>?
    /// The Down statements goose would send, or why goose cannot parse the Down direction.
    public var down: Result<GooseSection, GooseParseError>?
    /// Skein's checksums of the file (see ``MigrationChecksum``).
    public var checksum: MigrationChecksum
    /// Whether the file starts with the policy's `-- DESTRUCTIVE:` header (``DestructiveHeader``).
    public var isDestructive = false
    /// A file read without parsing: its bytes and how to parse them (`nil` once parsed).
    private var deferred: DeferredParse?

    /// What parsing a file read with ``init(deferringParseOf:name:parser:)`` needs.
    private struct DeferredParse: Sendable, Hashable {
        /// `nil` for a file only listed (``init(listedAt:name:parser:)``), until it is read.
        var file: SourceFile?
        var environmentSubstitution: GooseParser.EnvironmentSubstitution
    }

    /// Whether the file's bytes were read: always, but for a migration made with ``init(listedAt:name:parser:)``
    /// and not ``read()`` since. An unread migration has an empty file checksum and is not ``isDestructive``.
    public var isRead: Bool { deferred.map { $0.file != nil } ?? true }

    /// Whether ``up``, ``down`` and the Up/Down checksums come from parsing the file: always, but for a file read
    /// with ``init(deferringParseOf:name:parser:)`` and not ``parsed()`` since.
    public var isParsed: Bool { deferred == nil }

    public var version: Int64 { name.version }
    public var fileName: String { name.fileName }
    public var kind: MigrationKind { name.kind }

    /// The parse result for one direction.
    public func section(_ direction: Direction) -> Result<GooseSection, GooseParseError>? {
        direction == .up ? up : down
    }

    /// The transaction mode, when either direction parses (goose reads `NO TRANSACTION` anywhere in
    /// the file, so both directions agree).
    public var transactionMode: TransactionMode? {
        if case .success(let section) = up { return section.transactionMode }
        if case .success(let section) = down { return section.transactionMode }
        return nil
    }

    /// Whether the Down is the policy's manual-recovery stub (``ManualRecoveryStub``).
    public var hasManualRecoveryDown: Bool {
        if case .success(let section) = down { return ManualRecoveryStub.isStub(section) }
        return false
    }

    /// Parses a file. `name` must be the file's parsed name.
    /// - Parameters:
    ///   - file: the path (kept for messages) and the bytes; bytes that are not UTF-8, or start with a byte-order
    ///     mark, fail both directions of a `.sql` file.
    ///   - name: the file's parsed name: its version, and its kind (a `.go` migration is not parsed).
    ///   - parser: how to split; its environment substitution applies to the statements.
    public init(file: SourceFile, name: MigrationName, parser: GooseParser = GooseParser()) {
        self.path = file.path
        self.name = name
        if let error = file.textError() {
            var downError = error
            downError.direction = .down
            self.up = name.kind == .sql ? .failure(error) : nil
            self.down = name.kind == .sql ? .failure(downError) : nil
            self.checksum = MigrationChecksum(
                file: MigrationChecksum.fileChecksum(ofBytes: file.contents), up: nil, down: nil)
            return
        }
        let fileChecksum = MigrationChecksum.fileChecksum(ofBytes: file.contents)
        guard name.kind == .sql else {
            self.up = nil
            self.down = nil
            self.checksum = MigrationChecksum(file: fileChecksum, up: nil, down: nil)
            return
        }
        // The bytes are valid UTF-8 (checked above): parse them as they are, splitting the lines once.
        let (up, down, rawUp, rawDown) = file.contents.withUnsafeBufferPointer { bytes in
            let (up, down) = parser.parseBothDirections(bytes)
            // Checksums are over the text without substitution; only files with ENVSUB need a second parse.
            let raw = GooseParser(
                environmentSubstitution: parser.environmentSubstitution == .ignored ? .ignored : .recognizedOnly)
            guard raw.environmentSubstitution != parser.environmentSubstitution,
                GoText.contains(bytes, "ENVSUB")
            else { return (up, down, up, down) }
            let (rawUp, rawDown) = raw.parseBothDirections(bytes)
            return (up, down, rawUp, rawDown)
        }
        func checksum(_ parsed: Result<GooseSection, GooseParseError>) -> String? {
            guard case .success(let section) = parsed else { return nil }
            return MigrationChecksum.sectionChecksum(of: section)
        }
        self.up = up
        self.down = down
        self.checksum = MigrationChecksum(file: fileChecksum, up: checksum(rawUp), down: checksum(rawDown))
        self.isDestructive = file.contents.withUnsafeBufferPointer { DestructiveHeader.isPresent(in: $0) }
    }

    /// Reads a file without parsing it: the name, the file checksum and the `DESTRUCTIVE` header; ``up``, ``down``
    /// and the Up/Down checksums are `nil` until ``parsed()`` (``isParsed`` is `false`). What `status` reads: it
    /// parses only the applied files whose file checksum differs from the one recorded when they ran
    /// (``parsed(unlessRecorded:)``).
    public init(deferringParseOf file: SourceFile, name: MigrationName, parser: GooseParser = GooseParser()) {
        self.path = file.path
        self.name = name
        self.up = nil
        self.down = nil
        self.checksum = MigrationChecksum(
            file: MigrationChecksum.fileChecksum(ofBytes: file.contents), up: nil, down: nil)
        guard name.kind == .sql else { return }
        // As the parsing initializer: the header is looked for only in usable text.
        if file.textError() == nil {
            self.isDestructive = file.contents.withUnsafeBufferPointer { DestructiveHeader.isPresent(in: $0) }
        }
        self.deferred = DeferredParse(file: file, environmentSubstitution: parser.environmentSubstitution)
    }

    /// A file listed by name, not read (what `status` lists: it needs a file's bytes only to compare an applied
    /// file with the checksums recorded when it ran). ``read()`` reads it; ``parsed()`` reads and parses it.
    /// - Parameters:
    ///   - path: where ``DirectorySource/readFile(atPath:)`` will read it.
    ///   - name: the file's parsed name.
    ///   - parser: how ``parsed()`` will split it (its environment substitution).
    public init(listedAt path: String, name: MigrationName, parser: GooseParser = GooseParser()) {
        self.path = path
        self.name = name
        self.up = nil
        self.down = nil
        self.checksum = MigrationChecksum(file: "", up: nil, down: nil)
        self.deferred = DeferredParse(file: nil, environmentSubstitution: parser.environmentSubstitution)
    }

    /// This migration with its file read (itself when it was): as ``init(deferringParseOf:name:parser:)`` reads it.
    public func read() throws(MigrationSourceError) -> Migration {
        guard let deferred, deferred.file == nil else { return self }
        return Migration(
            deferringParseOf: try DirectorySource.readFile(atPath: path), name: name,
            parser: GooseParser(environmentSubstitution: deferred.environmentSubstitution))
    }

    /// This migration with both directions parsed (itself when it already is). A listed file is read first; one
    /// that cannot be read fails both directions, with why.
    public func parsed() -> Migration {
        guard let deferred else { return self }
        let parser = GooseParser(environmentSubstitution: deferred.environmentSubstitution)
        if let file = deferred.file { return Migration(file: file, name: name, parser: parser) }
        do {
            return try read().parsed()
        } catch {
            var unreadable = self
            unreadable.deferred = nil
            let failure = GooseParseError(
                kind: .unreadable, line: nil, direction: .up, message: error.reason,
                help: "check that the file exists and can be read, then run the command again",
                gooseMessage: "failed to read migration file")
            var downFailure = failure
            downFailure.direction = .down
            (unreadable.up, unreadable.down) =
                name.kind == .sql ? (.failure(failure), .failure(downFailure)) : (nil, nil)
            return unreadable
        }
    }

    /// This migration with its checksums known, parsing it only when it must: a file whose file checksum is the one
    /// `recorded` when it ran has the recorded Up and Down checksums too (they are computed from the same bytes,
    /// line endings aside, which the file checksum also ignores), so it stays unparsed; a changed file is parsed.
    /// - Parameter recorded: the checksums Skein recorded when this version was applied; `nil` leaves the migration
    ///   as it is.
    public func parsed(unlessRecorded recorded: MigrationChecksum?) -> Migration {
        guard !isParsed, let recorded else { return self }
        guard isRead else {
            guard let read = try? read() else { return parsed() }  // which says why it cannot be read
            return read.parsed(unlessRecorded: recorded)
        }
        guard recorded.file == checksum.file else { return parsed() }
        var known = self
        known.checksum = recorded
        return known
    }

    /// A migration made from parts (tests, tools).
    public init(
        path: String, name: MigrationName, up: Result<GooseSection, GooseParseError>?,
        down: Result<GooseSection, GooseParseError>?, checksum: MigrationChecksum
    ) {
        self.path = path
        self.name = name
        self.up = up
        self.down = down
        self.checksum = checksum
    }
}

/// Every migration of a source, parsed, with the findings about the set as a whole.
public struct MigrationCatalog: Sendable {
    /// The migrations in version order (files with equal versions stay side by side, by name).
    public var migrations: [Migration]
    /// Files goose would not accept as migrations and other findings about the set.
    public var diagnostics: [Diagnostic]

    public init(migrations: [Migration], diagnostics: [Diagnostic]) {
        self.migrations = migrations
        self.diagnostics = diagnostics
    }

    /// How much of each file a catalog parses.
    public enum Parsing: Sendable, Hashable {
        /// Both directions of every file, when it is read (every command that plans, runs or checks files).
        case everything
        /// Nothing yet: names and file checksums (``Migration/init(deferringParseOf:name:parser:)``); the planner
        /// parses the files its steps run.
        case deferred
        /// Names only, no file read (``Migration/init(listedAt:name:parser:)``), where the source can read a file
        /// later (a ``DirectorySource``; any other source is read as ``deferred``): `status` reads only the applied
        /// files it compares with their recorded checksums.
        case listed
    }

    /// Reads every file of a source with goose's rules: a `.sql` file whose name has no version is an
    /// error (goose refuses the whole directory); a `.go` file without a version, and `_test.go` files,
    /// are skipped, as goose skips them.
    public init(files: [SourceFile], parser: GooseParser = GooseParser(), parsing: Parsing = .everything) {
        let sorted = files.sorted(by: { $0.path < $1.path })
        self.init(paths: sorted.map(\.path), fileNames: sorted.map(\.fileName)) { index, name in
            parsing == .everything
                ? Migration(file: sorted[index], name: name, parser: parser)
                : Migration(deferringParseOf: sorted[index], name: name, parser: parser)
        }
    }

    /// Reads a source.
    public init(source: any MigrationSource, parser: GooseParser = GooseParser(), parsing: Parsing = .everything)
        throws(MigrationSourceError)
    {
        guard parsing == .listed, let directory = source as? DirectorySource else {
            self.init(
                files: try source.sourceFiles(), parser: parser, parsing: parsing == .listed ? .deferred : parsing)
            return
        }
        let paths = try directory.filePaths()
        self.init(paths: paths, fileNames: paths.map(SourceFile.fileName(ofPath:))) { index, name in
            Migration(listedAt: paths[index], name: name, parser: parser)
        }
    }

    /// The migrations of files in path order, each made by `make` (on every core) from its index and parsed name.
    private init(paths: [String], fileNames: [String], make: @Sendable (Int, MigrationName) -> Migration) {
        var migrations: [Migration] = []
        migrations.reserveCapacity(paths.count)
        var diagnostics: [Diagnostic] = []
        // Files parse independently: on all cores, then assembled in order.
        let made = ParallelMap.map(Array(paths.indices)) { index -> Result<Migration?, MigrationName.Problem> in
            MigrationName.parse(fileNames[index]).map { name in
                if name.kind == .go && fileNames[index].hasSuffix("_test.go") { return nil }
                return make(index, name)
            }
        }
        for (index, result) in made.enumerated() {
            switch result {
            case .success(let migration):
                if let migration { migrations.append(migration) }
            case .failure(let problem):
                guard fileNames[index].hasSuffix(".sql") else { continue }
                diagnostics.append(
                    Diagnostic(
                        severity: .error, code: "invalid-migration-name",
                        message: "\"\(fileNames[index])\" is not a migration name goose accepts: \(problem)",
                        help:
                            "name it <version>_<description>.sql, e.g. 20240115143022_add_user_authentication.sql, or move it out of the migrations directory (goose refuses to run the directory while it is there)",
                        location: SourceLocation(file: paths[index])))
            }
        }
        migrations.sort { ($0.version, $0.fileName) < ($1.version, $1.fileName) }
        self.migrations = migrations
        self.diagnostics = diagnostics + Self.duplicateVersions(in: migrations)
    }

    /// One error per file that shares its version with an earlier one (goose panics on these).
    public static func duplicateVersions(in migrations: [Migration]) -> [Diagnostic] {
        // Sorts indices, not the (large) migrations themselves.
        let order = migrations.indices.sorted {
            (migrations[$0].version, migrations[$0].fileName) < (migrations[$1].version, migrations[$1].fileName)
        }
        var firstByVersion: [Int64: Int] = [:]
        firstByVersion.reserveCapacity(migrations.count)
        var findings: [Diagnostic] = []
        for index in order {
            let migration = migrations[index]
            if let first = firstByVersion[migration.version] {
                findings.append(
                    Diagnostic(
                        severity: .error, code: "duplicate-version",
                        message:
                            "version \(migration.version) is used by both \(migrations[first].fileName) and \(migration.fileName)",
                        help:
                            "give one of them a new version (skein create makes a fresh timestamp); goose stops with a panic on duplicate versions",
                        location: SourceLocation(file: migration.path)))
            } else {
                firstByVersion[migration.version] = index
            }
        }
        return findings
    }
}

extension Diagnostic {
    /// A parse failure as a diagnostic located at its file and line.
    public init(parseError error: GooseParseError, path: String) {
        self.init(
            severity: .error, code: "goose-\(error.kind.rawValue)",
            message: "\(error.direction == .up ? "Up" : "Down"): \(error.message)", help: error.help,
            location: SourceLocation(file: path, line: error.line),
            gooseMessage:
                "ERROR \((path as NSString).lastPathComponent): failed to parse SQL migration file: \(error.gooseMessage)"
        )
    }
}

/// The policy's `-- DESTRUCTIVE:` header: among the comment lines at the top of a file, before its first
/// `-- +goose` annotation or statement, one that starts with `-- DESTRUCTIVE:` (any case).
public enum DestructiveHeader {
    public static func isPresent(in bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        var start = 0
        while start < bytes.count {
            var end = start
            while end < bytes.count, bytes[end] != 0x0A { end += 1 }
            var first = start
            var last = end
            while first < last, bytes[first] == 0x20 || bytes[first] == 0x09 { first += 1 }
            while last > first, bytes[last - 1] == 0x20 || bytes[last - 1] == 0x09 || bytes[last - 1] == 0x0D {
                last -= 1
            }
            if first < last {
                guard last - first >= 2, bytes[first] == 0x2D, bytes[first + 1] == 0x2D else { return false }
                let line = String(decoding: UnsafeBufferPointer(rebasing: bytes[first..<last]), as: UTF8.self)
                    .lowercased()
                if line.hasPrefix("-- +goose") { return false }
                if line.hasPrefix("-- destructive:") { return true }
            }
            start = end + 1
        }
        return false
    }
}

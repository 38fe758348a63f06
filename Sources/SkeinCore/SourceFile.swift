import Foundation

/// One file of a migration set: its path as the user gave it and its bytes.
public struct SourceFile: Sendable, Hashable {
    /// The path as given (`migrations/20240101120000_initial_schema.sql`), used in every message.
    public var path: String
    public var contents: [UInt8]

    public init(path: String, contents: [UInt8]) {
        self.path = path
        self.contents = contents
    }

    public init(path: String, text: String) {
        self.init(path: path, contents: Array(text.utf8))
    }

    /// The last path component.
    public var fileName: String {
        path.split(separator: "/", omittingEmptySubsequences: true).last.map(String.init) ?? path
    }

    /// The contents as text, or why they are not usable text: goose files must be UTF-8 without a
    /// byte-order mark (goose itself fails on a BOM with "unexpected state 0").
    public func decodedText() -> Result<String, GooseParseError> {
        if contents.starts(with: [0xEF, 0xBB, 0xBF]) {
            return .failure(
                GooseParseError(
                    kind: .byteOrderMark, line: 1, direction: .up,
                    message:
                        "the file starts with a UTF-8 byte-order mark, which hides the first `-- +goose Up` from goose",
                    help: "save the file as UTF-8 without BOM",
                    gooseMessage: "failed to parse migration: unexpected state 0 on line \"\\ufeff…\""))
        }
        guard let text = String(validating: contents, as: UTF8.self) else {
            return .failure(
                GooseParseError(
                    kind: .invalidEncoding, line: Self.lineOfFirstInvalidByte(contents), direction: .up,
                    message:
                        "the file is not valid UTF-8 (first bad byte on this line); it may be binary or in another encoding",
                    help: "convert it to UTF-8, e.g. iconv -f LATIN1 -t UTF-8",
                    gooseMessage: "(goose sends the bytes as they are; PostgreSQL rejects invalid UTF-8)"))
        }
        return .success(text)
    }

    /// The 1-based line of the first byte that is not valid UTF-8, in one pass.
    static func lineOfFirstInvalidByte(_ bytes: [UInt8]) -> Int {
        var decoder = UTF8()
        var iterator = bytes.makeIterator()
        var line = 1
        while true {
            switch decoder.decode(&iterator) {
            case .scalarValue(let scalar): if scalar == "\n" { line += 1 }
            case .emptyInput: return line
            case .error: return line
            }
        }
    }
}

/// Where migration files come from.
public protocol MigrationSource: Sendable {
    /// The candidate files, in no particular order.
    func sourceFiles() throws(MigrationSourceError) -> [SourceFile]
}

/// Why a migration source could not be read.
public struct MigrationSourceError: Error, Sendable, Hashable, CustomStringConvertible {
    public var path: String
    public var reason: String

    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }

    public var description: String { "cannot read migrations at \(path): \(reason)" }
}

/// A directory read as goose reads it: only that directory (no subdirectories), files named `*.sql`
/// and `*.go`.
public struct DirectorySource: MigrationSource {
    /// The directory as the user gave it; file paths are reported as `<directory>/<name>`.
    public var directory: String

    public init(directory: String) {
        self.directory = directory
    }

    public func sourceFiles() throws(MigrationSourceError) -> [SourceFile] {
        let manager = FileManager.default
        var isDirectory: ObjCBool = false
        guard manager.fileExists(atPath: directory, isDirectory: &isDirectory) else {
            throw MigrationSourceError(
                path: directory,
                reason:
                    "the directory does not exist; create it (skein create NAME makes the first migration) or pass --dir"
            )
        }
        guard isDirectory.boolValue else {
            throw MigrationSourceError(
                path: directory, reason: "this is a file, not a directory; pass the directory with --dir")
        }
        let names: [String]
        do {
            names = try manager.contentsOfDirectory(atPath: directory)
        } catch {
            throw MigrationSourceError(
                path: directory, reason: "the directory cannot be listed (\(Self.reason(error))); check its permissions"
            )
        }
        var files: [SourceFile] = []
        for name in names.sorted() where name.hasSuffix(".sql") || name.hasSuffix(".go") {
            let path = directory.hasSuffix("/") ? directory + name : directory + "/" + name
            var isSubdirectory: ObjCBool = false
            guard manager.fileExists(atPath: path, isDirectory: &isSubdirectory), !isSubdirectory.boolValue else {
                continue
            }
            guard let data = manager.contents(atPath: path) else {
                throw MigrationSourceError(path: path, reason: "the file cannot be read; check its permissions")
            }
            files.append(SourceFile(path: path, contents: Array(data)))
        }
        return files
    }

    private static func reason(_ error: any Error) -> String {
        (error as NSError).localizedFailureReason ?? (error as NSError).localizedDescription
    }
}

/// Migration files held in memory: for tests, and for apps that bundle their migrations as resources.
public struct InMemorySource: MigrationSource {
    public var files: [SourceFile]

    public init(files: [SourceFile]) {
        self.files = files
    }

    /// Files from `name → text` pairs, with paths `<directory>/<name>`.
    public init(directory: String = "migrations", texts: [String: String]) {
        self.files = texts.keys.sorted().map { SourceFile(path: "\(directory)/\($0)", text: texts[$0]!) }
    }

    public func sourceFiles() throws(MigrationSourceError) -> [SourceFile] { files }
}

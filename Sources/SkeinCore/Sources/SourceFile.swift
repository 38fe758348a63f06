#if canImport(Glibc)
    import Glibc
    private let posixRead = Glibc.read
#elseif canImport(Musl)
    import Musl
    private let posixRead = Musl.read
#elseif canImport(Darwin)
    import Darwin
    private let posixRead = Darwin.read
#endif

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
    public var fileName: String { Self.fileName(ofPath: path) }

    /// The last component of `path`.
    public static func fileName(ofPath path: String) -> String {
        if let name = MigrationName.lastComponentOfASCIIPath(path, omittingEmpty: true) { return name }
        return path.split(separator: "/", omittingEmptySubsequences: true).last.map(String.init) ?? path
    }

    /// The contents as text, or why they are not usable text: goose files must be UTF-8 without a
    /// byte-order mark (goose itself fails on a BOM with "unexpected state 0").
    public func decodedText() -> Result<String, GooseParseError> {
        if let error = textError() { return .failure(error) }
        return .success(String(decoding: contents, as: UTF8.self))
    }

    /// Why the contents are not usable text (see ``decodedText()``), or `nil` when they are valid UTF-8
    /// without a byte-order mark.
    func textError() -> GooseParseError? {
        if contents.starts(with: [0xEF, 0xBB, 0xBF]) {
            return GooseParseError(
                kind: .byteOrderMark, line: 1, direction: .up,
                message:
                    "the file starts with a UTF-8 byte-order mark, which hides the first `-- +goose Up` from goose",
                help: "save the file as UTF-8 without BOM",
                gooseMessage: "failed to parse migration: unexpected state 0 on line \"\\ufeff…\"")
        }
        guard !Self.isValidUTF8(contents) else { return nil }
        return GooseParseError(
            kind: .invalidEncoding, line: Self.lineOfFirstInvalidByte(contents), direction: .up,
            message:
                "the file is not valid UTF-8 (first bad byte on this line); it may be binary or in another encoding",
            help: "convert it to UTF-8, e.g. iconv -f LATIN1 -t UTF-8",
            gooseMessage: "(goose sends the bytes as they are; PostgreSQL rejects invalid UTF-8)")
    }

    /// Whether `bytes` are valid UTF-8, without building a string: ASCII runs are skipped eight bytes at a time.
    static func isValidUTF8(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBufferPointer { buffer in
            var index = 0
            let count = buffer.count
            while index < count {
                if index + 8 <= count,
                    UnsafeRawPointer(buffer.baseAddress! + index).loadUnaligned(as: UInt64.self)
                        & 0x8080_8080_8080_8080 == 0
                {
                    index += 8
                    continue
                }
                if buffer[index] < 0x80 {
                    index += 1
                    continue
                }
                // A non-ASCII run: let the standard library judge from here.
                return String(validating: UnsafeBufferPointer(rebasing: buffer[index...]), as: UTF8.self) != nil
            }
            return true
        }
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
    /// What goose v3.17 says instead (`migrations directory does not exist`), where it says something else.
    public var gooseMessage: String?

    public init(path: String, reason: String, gooseMessage: String? = nil) {
        self.path = path
        self.reason = reason
        self.gooseMessage = gooseMessage
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
        try withListing { directoryDescriptor, entries throws(MigrationSourceError) in
            let names = entries.map(\.name)
            var files: [SourceFile] = []
            files.reserveCapacity(names.count)
            // Read on all cores; the first unreadable file in name order is the error, as when reading in order.
            let outcomes = ParallelMap.map(names) { Self.read($0, in: directoryDescriptor) }
            for (name, outcome) in zip(names, outcomes) {
                let path = path(of: name)
                switch outcome {
                case .contents(let contents): files.append(SourceFile(path: path, contents: contents))
                case .skipped: continue
                case .unreadable:
                    throw MigrationSourceError(path: path, reason: "the file cannot be read; check its permissions")
                }
            }
            return files
        }
    }

    /// The paths of the candidate files, none of them read (what `status` needs of a file it will not compare):
    /// the names ``sourceFiles()`` would read, less what it would skip (directories, links to nothing).
    public func filePaths() throws(MigrationSourceError) -> [String] {
        try withListing { directoryDescriptor, entries in
            entries.filter { entry in
                if entry.isRegularFile { return true }
                // A link (or a file system that does not say): followed, as reading does. A link to nothing, like a
                // directory, is not a file.
                var status = stat()
                return fstatat(directoryDescriptor, entry.name, &status, 0) == 0
                    && status.st_mode & mode_t(S_IFMT) != mode_t(S_IFDIR)
            }.map { path(of: $0.name) }
        }
    }

    /// One file of a listing, read (``filePaths()``).
    public static func readFile(atPath path: String) throws(MigrationSourceError) -> SourceFile {
        switch read(path, in: AT_FDCWD) {
        case .contents(let contents): return SourceFile(path: path, contents: contents)
        case .skipped:
            throw MigrationSourceError(
                path: path, reason: "the file was removed (or replaced by a directory) while it was read; run again")
        case .unreadable:
            throw MigrationSourceError(path: path, reason: "the file cannot be read; check its permissions")
        }
    }

    private func path(of name: String) -> String {
        (directory.hasSuffix("/") ? directory : directory + "/") + name
    }

    /// The directory, open, and the entries in it whose names end in `.sql` or `.go`, sorted by name, each with
    /// whether the listing says it is a regular file.
    private func withListing<Result>(
        _ body: (Int32, [(name: String, isRegularFile: Bool)]) throws(MigrationSourceError) -> Result
    ) throws(MigrationSourceError) -> Result {
        var status = stat()
        guard stat(directory, &status) == 0 else {
            throw MigrationSourceError(
                path: directory,
                reason:
                    "the directory does not exist; create it (skein create NAME makes the first migration) or pass --dir",
                gooseMessage: "\(directory) directory does not exist")
        }
        guard status.st_mode & mode_t(S_IFMT) == mode_t(S_IFDIR) else {
            throw MigrationSourceError(
                path: directory, reason: "this is a file, not a directory; pass the directory with --dir")
        }
        guard let directoryStream = opendir(directory) else {
            throw MigrationSourceError(
                path: directory,
                reason: "the directory cannot be listed (\(String(cString: strerror(errno)))); check its permissions")
        }
        defer { closedir(directoryStream) }
        var entries: [(name: String, isRegularFile: Bool)] = []
        while let entry = readdir(directoryStream) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(cString: raw.baseAddress!.assumingMemoryBound(to: CChar.self))
            }
            if name.hasSuffix(".sql") || name.hasSuffix(".go") {
                entries.append((name, entry.pointee.d_type == UInt8(DT_REG)))
            }
        }
        entries.sort { $0.name < $1.name }
        // Names are opened relative to the open directory: no path walk per file.
        return try body(dirfd(directoryStream), entries)
    }

    private enum ReadOutcome: Sendable {
        case contents([UInt8])
        /// A directory, or a name that does not resolve (a dangling link): not a file, as goose sees it.
        case skipped
        case unreadable
    }

    /// A whole file in one `open` and (usually) one `read` of its size.
    private static func read(_ name: String, in directory: Int32) -> ReadOutcome {
        let descriptor = openat(directory, name, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            var status = stat()
            return fstatat(directory, name, &status, 0) == 0 && status.st_mode & mode_t(S_IFMT) != mode_t(S_IFDIR)
                ? .unreadable : .skipped
        }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { return .unreadable }
        if status.st_mode & mode_t(S_IFMT) == mode_t(S_IFDIR) { return .skipped }
        // One byte more than the size, so that the reads also see the end of the file; no zero-filling.
        let size = max(Int(status.st_size), 0)
        var failed = false
        var contents = [UInt8](unsafeUninitializedCapacity: size + 1) { buffer, count in
            count = 0
            while count < buffer.count {
                let read = posixRead(descriptor, buffer.baseAddress! + count, buffer.count - count)
                if read > 0 {
                    count += read
                } else if read == 0 || errno != EINTR {
                    failed = read < 0
                    return
                }
            }
        }
        if failed { return .unreadable }
        guard contents.count > size else { return .contents(contents) }
        // The file grew while it was read: read on to its end.
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let read = chunk.withUnsafeMutableBytes { posixRead(descriptor, $0.baseAddress!, $0.count) }
            if read > 0 {
                contents += chunk[..<read]
            } else if read == 0 {
                return .contents(contents)
            } else if errno != EINTR {
                return .unreadable
            }
        }
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

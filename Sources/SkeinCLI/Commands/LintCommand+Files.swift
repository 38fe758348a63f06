import Foundation
import SkeinSandbox

#if canImport(Glibc)
    import Glibc
#endif

/// Which files `skein lint` reports: the ones git sees as changed, or the ones a hook names.
extension LintCommand {
    /// `exclude` entries: a path, a directory prefix, or a pattern with `*`.
    static func matches(_ path: String, pattern: String) -> Bool {
        if pattern.contains("*") { return fnmatch(pattern, path, 0) == 0 }
        let prefix = pattern.hasSuffix("/") ? pattern : pattern + "/"
        return path == pattern || path.hasPrefix(prefix)
    }

    /// A path as an absolute, standardized path, for comparing a finding's file with a list of files.
    static func absolute(_ path: String) -> String {
        URL(fileURLWithPath: path).standardizedFileURL.path
    }

    /// `--in-context`: the directories to read (each given directory, and the directory of each given file, once,
    /// in the order given) and the files to report (absolute path → the path as given). A directory given is
    /// reported whole.
    static func contextDirectories(of inputs: [String]) throws -> (directories: [String], files: [String: String]?) {
        var directories: [String] = []
        var seen: Set<String> = []
        var files: [String: String] = [:]
        var wholeDirectory = false
        for path in inputs {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                throw CLIFailure(.migrations, "\(path) does not exist; pass migration files or directories")
            }
            var directory = path
            if isDirectory.boolValue {
                wholeDirectory = true
            } else {
                files[absolute(path)] = path
                directory = (path as NSString).deletingLastPathComponent
                if directory.isEmpty { directory = "." }
            }
            if seen.insert(absolute(directory)).inserted { directories.append(directory) }
        }
        // A directory given with files: everything in it is reported, as without --in-context.
        return (directories, wholeDirectory ? nil : files)
    }

    /// Absolute paths of the files git reports as changed against HEAD (or, with `revision`, since the merge base
    /// of HEAD and `revision`), and new files that are not ignored.
    static func gitChangedFiles(since revision: String? = nil) async throws -> Set<String> {
        let flag = revision == nil ? "--changed" : "--changed-since"
        // Awaited on git's own exit (``ExternalProgram``): a git that starts its fsmonitor daemon does not hold us.
        func git(_ arguments: [String], failure: String? = nil) async throws -> [String] {
            let result: ExternalProgram.Result
            do {
                result = try await ExternalProgram("git", arguments).collect()
            } catch {
                throw CLIFailure(.fileSystem, "\(flag) needs git: \(error)")
            }
            guard result.status == 0, !result.signalled else {
                let said = result.stderr.trimmingCharacters(in: .whitespacesAndNewlines)
                throw CLIFailure(
                    .fileSystem,
                    failure
                        ?? "\(flag) needs a git work tree (`git \(arguments.joined(separator: " "))` failed\(said.isEmpty ? "" : ": \(said)"))"
                )
            }
            return result.stdout.split(separator: "\n").map(String.init)
        }
        let root = try await git(["rev-parse", "--show-toplevel"]).first ?? "."
        // Against the merge base, the working tree's diff holds both the commits since it and what is uncommitted.
        var base = "HEAD"
        if let revision {
            base =
                try await git(
                    ["merge-base", "HEAD", revision],
                    failure:
                        "--changed-since \(revision): git finds no common ancestor of HEAD and \(revision); fetch it first (GitHub Actions: actions/checkout with fetch-depth: 0; GitLab: GIT_DEPTH: 0)"
                ).first ?? revision
        }
        let names =
            try await git(["diff", "--name-only", base])
            + git(["ls-files", "--others", "--exclude-standard", "--full-name"])
        return Set(names.map { $0.hasPrefix("/") ? $0 : absolute((root as NSString).appendingPathComponent($0)) })
    }
}

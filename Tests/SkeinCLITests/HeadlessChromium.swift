import Foundation
import SkeinTestSupport
import Testing

/// Debian's `chromium`, run headless at a fixed window size, to look at a page as a browser lays it out.
///
/// Found as `$SKEIN_CHROMIUM` (only there, when set), or `chromium` / `chromium-browser` on `PATH`. Without it the
/// tests that need it are skipped with the reason, unless `SKEIN_REQUIRE_CHROMIUM` is set (CI sets it): then they
/// run, and fail.
struct HeadlessChromium {
    static let requiredVariable = "SKEIN_REQUIRE_CHROMIUM"
    static let window = (width: 1400, height: 1800)

    var executable: String

    /// The browser, or `nil` when none is installed.
    static var installed: HeadlessChromium? {
        let environment = ProcessInfo.processInfo.environment
        if let path = environment["SKEIN_CHROMIUM"], !path.isEmpty {
            return FileManager.default.isExecutableFile(atPath: path) ? HeadlessChromium(executable: path) : nil
        }
        let directories = (environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":")
        for name in ["chromium", "chromium-browser"] {
            for directory in directories {
                let path = "\(directory)/\(name)"
                if FileManager.default.isExecutableFile(atPath: path) { return HeadlessChromium(executable: path) }
            }
        }
        return nil
    }

    static var isRequired: Bool {
        ProcessInfo.processInfo.environment[requiredVariable].map { !$0.isEmpty } ?? false
    }

    /// Why tests that need the browser are skipped, or `nil` when they run (also when it is required but missing:
    /// then they fail).
    static var unavailableReason: String? {
        guard installed == nil, !isRequired else { return nil }
        return "no chromium: install it (apt-get install chromium, or scripts/bootstrap.sh --peers) or set "
            + "SKEIN_CHROMIUM; set \(requiredVariable)=1 to make its absence a failure"
    }

    struct Failure: Error, CustomStringConvertible { var description: String }

    /// The page's DOM after its scripts ran (`--dump-dom`, written when the page has loaded).
    func dumpDOM(of page: URL) async throws -> String {
        try await run(["--dump-dom", page.absoluteString])
    }

    /// A PNG of the window's first screenful.
    func screenshot(of page: URL, to png: URL) async throws {
        try? FileManager.default.removeItem(at: png)
        _ = try await run(["--screenshot=\(png.path)", page.absoluteString])
        guard FileManager.default.fileExists(atPath: png.path) else {
            throw Failure(description: "chromium wrote no screenshot at \(png.path)")
        }
    }

    /// Runs the browser once, with a profile of its own; returns what it wrote to stdout (``ChildProcess``: the
    /// output goes to files, since the browser's helper processes may hold a pipe open after it exits, and a browser
    /// that hangs is killed and reported).
    private func run(_ arguments: [String]) async throws -> String {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("skein-chromium-\(UUID())")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        // As root, Chromium runs only without its sandbox; --disable-dev-shm-usage for containers' small /dev/shm.
        let output = try await ChildProcess.run(
            executable,
            [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                "--disable-extensions", "--user-data-dir=\(scratch.appendingPathComponent("profile").path)",
                "--window-size=\(Self.window.width),\(Self.window.height)",
            ] + arguments,
            limit: .seconds(300))
        guard output.status == 0, !output.termination.signalled else {
            throw Failure(
                description: "\(executable) \(arguments.joined(separator: " ")) exited with "
                    + "\(output.status): \(output.stderr.suffix(2000))")
        }
        return output.stdout
    }
}

extension Trait where Self == ConditionTrait {
    /// Skips the test, with the reason, when Chromium is not installed and `SKEIN_REQUIRE_CHROMIUM` is not set.
    static var requiresChromium: Self {
        .enabled(
            if: HeadlessChromium.unavailableReason == nil,
            Comment(rawValue: HeadlessChromium.unavailableReason ?? "chromium is installed or required"))
    }
}

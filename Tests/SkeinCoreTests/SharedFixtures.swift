import Foundation
import Testing

/// The project's shared folder (`../shared` beside the checkout, as CI lays it out), or
/// `$SKEIN_SHARED_DIR`.
enum SharedFixtures {
    struct Missing: Error, CustomStringConvertible {
        var path: String
        var description: String {
            "the shared conformance folder is missing at \(path); CI places it beside the checkout (../shared) — set SKEIN_SHARED_DIR to its location"
        }
    }

    static var packageRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
    }

    static func folder(_ relative: String) throws -> URL {
        let base: URL
        if let override = ProcessInfo.processInfo.environment["SKEIN_SHARED_DIR"], !override.isEmpty {
            base = URL(fileURLWithPath: override)
        } else {
            base = packageRoot.deletingLastPathComponent().appendingPathComponent("shared")
        }
        let url = base.appendingPathComponent(relative)
        guard FileManager.default.fileExists(atPath: url.path) else { throw Missing(path: url.path) }
        return url
    }
}

import Foundation
import PackagePlugin

/// `swift package generate-queries [skein generate's arguments…]`: builds this package's `skein` and runs
/// `skein generate` in the package directory (the one holding `Package.swift`), so the configuration's paths
/// (`skein.yaml` or `sqlc.yaml`, `-f`) are relative to it. skein writes the generated Swift into the package and
/// connects to the PostgreSQL it describes the queries with (a throwaway local cluster, or `--dev-url`). The exit
/// status is skein's.
///
/// The plugin asks SwiftPM to build the `skein` product instead of declaring it as a tool dependency
/// (`context.tool(named:)`): a plugin in the same package cannot depend on an executable target whose product has
/// another name (`SkeinCLI` → `skein`; swiftlang/swift-package-manager#8831, "no product named 'SkeinCLI'").
@main
struct GenerateQueries: CommandPlugin {
    func performCommand(context: PluginContext, arguments: [String]) async throws {
        let skein = try skeinExecutable()
        let process = Process()
        process.executableURL = skein
        process.arguments = ["generate"] + arguments
        process.currentDirectoryURL = context.package.directoryURL
        // stdin, stdout and stderr are inherited: skein's messages reach the terminal as they are.
        try process.run()
        process.waitUntilExit()
        guard process.terminationReason == .exit else {
            Diagnostics.error("skein generate was stopped by signal \(process.terminationStatus)")
            exit(128 + process.terminationStatus)
        }
        if process.terminationStatus != 0 {
            exit(process.terminationStatus)
        }
    }

    /// The `skein` executable, built (or found up to date) by SwiftPM in the debug configuration.
    private func skeinExecutable() throws -> URL {
        let result = try packageManager.build(.product("skein"), parameters: .init(configuration: .debug))
        guard result.succeeded else {
            Diagnostics.error("building skein failed:\n\(result.logText)")
            exit(1)
        }
        guard let artifact = result.builtArtifacts.first(where: { $0.kind == .executable }) else {
            Diagnostics.error("building skein produced no executable")
            exit(1)
        }
        return artifact.url
    }
}

import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// The executable: the process's arguments, environment, streams and signals into
/// ``SkeinCommandLine/run(arguments:environment:output:error:signals:)``, its result as the exit status.
@main
enum SkeinMain {
    static func main() async {
        let arguments = Array(CommandLine.arguments.dropFirst())
        if arguments == [SqlcPlugin.method] { SqlcPlugin.answer() }
        let status = await SkeinCommandLine.run(
            arguments: arguments, environment: CLIContext.current.environment, output: .standardOutput,
            error: .standardError, signals: .install)
        exit(status)
    }
}

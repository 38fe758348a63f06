import Foundation
import PostgresNIO

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
        // One event-loop thread for the process: a command holds one connection (and short-lived side connections
        // that watch or cancel it), while NIO's singleton group would start a thread per core before the first
        // connect. NIO_SINGLETON_GROUP_LOOP_COUNT still decides when it is set; `--version` alone uses no NIO.
        if arguments != ["--version"], CLIContext.current.environment["NIO_SINGLETON_GROUP_LOOP_COUNT"] == nil {
            NIOSingletons.groupLoopCountSuggestion = 1
        }
        if arguments != ["--version"], CLIContext.current.environment["SKEIN_CONCURRENCY_ON_NIO"] != "0" {
            EventLoopExecutor.install()
        }
        if arguments == [SqlcPlugin.method] { SqlcPlugin.answer() }
        let status = await SkeinCommandLine.run(
            arguments: arguments, environment: CLIContext.current.environment, output: .standardOutput,
            error: .standardError, signals: .install)
        exit(status)
    }
}

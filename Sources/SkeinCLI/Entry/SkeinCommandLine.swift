import ArgumentParser
import Foundation
import SkeinInvocation

/// The command line as a function: argv (either grammar) → one command → output on the given streams and an
/// exit status. No global state: the environment, the streams and whether to take over signals are parameters,
/// so tests run it in process, in parallel.
///
/// ```swift
/// let output = OutputBuffer(), error = OutputBuffer()
/// let status = await SkeinCommandLine.run(
///     arguments: ["validate", "--dir", path], environment: [:], output: output.sink, error: error.sink)
/// ```
enum SkeinCommandLine {
    static func run(
        arguments: [String], environment: [String: String], output: OutputSink, error: OutputSink,
        signals: CLIContext.SignalHandling = .none
    ) async -> Int32 {
        if arguments == [SqlcPlugin.method] { return 0 }
        var context = CLIContext(environment: environment, output: output, error: error, signals: signals)
        context.secrets = CLIContext.secrets(in: arguments, environment: environment)
        let skeinArguments: [String]
        switch GooseArguments.translate(arguments, environment: environment) {
        case .skein(let translated):
            skeinArguments = translated
        case .goose(let translated):
            context.style = .goose
            let known = Set(Skein.configuration.subcommands.map { $0._commandName })
            if let command = translated.first, !known.contains(command) {
                return CLIContext.$current.withValue(context) {
                    Console.gooseLog(
                        "goose run: \"\(command)\" is not available in this version of Skein (see docs/goose-compatibility.md)"
                    )
                    return 1
                }
            }
            skeinArguments = translated
        case .gooseUsage(let code, let message):
            return CLIContext.$current.withValue(context) {
                // Go's flag package: the error, then the flag list, on stderr; goose's usage text on stdout.
                Console.err((message.map { $0 + "\n" } ?? "") + GooseUsage.flags)
                CLIContext.current.output.write(GooseUsage.standardOutput)
                return code
            }
        case .gooseVersion:
            return CLIContext.$current.withValue(context) {
                // goose's own line, which scripts parse: the goose version Skein is compatible with.
                Console.out("goose version: v3.17.0")
                return 0
            }
        case .gooseFailure(let message):
            return CLIContext.$current.withValue(context) {
                Console.gooseLog(message)
                return 1
            }
        }
        return await CLIContext.$current.withValue(context) {
            await execute(skeinArguments, style: context.style)
        }
    }

    /// The command `arguments` name, parsed.
    ///
    /// ArgumentParser's root parse builds the whole command tree and reflects every command it passes (a few
    /// milliseconds in a binary this size: each new type's protocol conformances are looked up by scanning all of
    /// them). A command without subcommands that the first argument names is parsed on its own first; only when
    /// that does not give that command (help, a usage error) is the root parse run, so errors, help and usage text
    /// are exactly the root's.
    static func parse(_ arguments: [String]) throws -> any ParsableCommand {
        if let name = arguments.first,
            let command = Skein.configuration.subcommands.first(where: { $0.configuration.commandName == name }),
            command.configuration.subcommands.isEmpty,
            let parsed = try? command.parseAsRoot(Array(arguments.dropFirst())),
            // Not ArgumentParser's help command (`--help` parses into one): help is the root's text.
            ObjectIdentifier(type(of: parsed)) == ObjectIdentifier(command)
        {
            return parsed
        }
        return try Skein.parseAsRoot(arguments)
    }

    /// Parses Skein's arguments, runs the command, renders its failure once.
    private static func execute(_ arguments: [String], style: OutputStyle) async -> Int32 {
        if arguments == ["--version"] {
            // What ArgumentParser prints for the root's --version, without building the command tree first.
            Console.out(Skein.configuration.version)
            return 0
        }
        if style == .skein, let unknown = unknownCommand(arguments) {
            Console.err(unknown)
            return 2
        }
        do {
            var command = try parse(arguments)
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
            return 0
        } catch let failure as CLIFailure {
            Console.err(failure.rendered(style: style))
            return failure.exitCode
        } catch {
            let code = Skein.exitCode(for: error)
            let message = Skein.fullMessage(for: error)
            if code == .success {
                if !message.isEmpty { Console.out(message) }
                return 0
            }
            if !message.isEmpty { Console.err(message) }
            // ArgumentParser uses 64 (EX_USAGE) for usage errors; goose and Skein use 2.
            return code == .validationFailure ? 2 : code.rawValue
        }
    }

    /// `skein stauts` or `skein help frobnicate`: the command that does not exist, and the closest one that does.
    static func unknownCommand(_ arguments: [String]) -> String? {
        let names = Skein.configuration.subcommands.map { $0._commandName }
        var candidate: String?
        if arguments.first == "help", arguments.count >= 2 {
            candidate = arguments[1]
        } else if let first = arguments.first, !first.hasPrefix("-"), first != "help" {
            candidate = first
        }
        guard let name = candidate, !names.contains(name) else { return nil }
        let closest = names.map { ($0, editDistance($0, name)) }.min { $0.1 < $1.1 }
        var message = "error: unknown command '\(name)'"
        if let closest, closest.1 <= max(2, name.count / 3) { message += "; did you mean '\(closest.0)'?" }
        return message + "\n  help: skein --help lists the commands"
    }

    /// Levenshtein distance, for "did you mean".
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a.unicodeScalars)
        let b = Array(b.unicodeScalars)
        var previous = Array(0...b.count)
        for i in 1...max(a.count, 1) where !a.isEmpty {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in 1...max(b.count, 1) where !b.isEmpty {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return a.isEmpty ? b.count : previous[b.count]
    }
}

import ArgumentParser
import SkeinCore

struct UpCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "up", abstract: "Migrate to the most recent version.")
    @OptionGroup var arguments: MigrateArguments
    func run() async throws {
        let options = arguments.database
        try await DatabaseRun.interruptible { try await DatabaseRun(options: options).migrate(.up) }
    }
}

struct UpByOneCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "up-by-one", abstract: "Migrate up by one version.")
    @OptionGroup var arguments: MigrateArguments
    func run() async throws {
        let options = arguments.database
        try await DatabaseRun.interruptible { try await DatabaseRun(options: options).migrate(.upByOne) }
    }
}

struct UpToCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "up-to", abstract: "Migrate up to VERSION (a cut-off).")
    @Argument var version: Int64
    @OptionGroup var arguments: MigrateArguments
    func run() async throws {
        let options = arguments.database
        try await DatabaseRun.interruptible { try await DatabaseRun(options: options).migrate(.upTo(version)) }
    }
}

struct DownCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "down", abstract: "Roll back the current version.")
    @OptionGroup var arguments: MigrateArguments
    func run() async throws {
        let options = arguments.database
        try await DatabaseRun.interruptible { try await DatabaseRun(options: options).migrate(.down) }
    }
}

struct DownToCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "down-to", abstract: "Roll back down to VERSION.")
    @Argument var version: Int64
    @OptionGroup var arguments: MigrateArguments
    func run() async throws {
        let options = arguments.database
        try await DatabaseRun.interruptible { try await DatabaseRun(options: options).migrate(.downTo(version)) }
    }
}

struct RedoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "redo", abstract: "Roll back the current version and apply it again.")
    @OptionGroup var arguments: MigrateArguments
    func run() async throws {
        let options = arguments.database
        try await DatabaseRun.interruptible { try await DatabaseRun(options: options).migrate(.redo) }
    }
}

struct ResetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reset", abstract: "Roll back every applied migration.")
    @OptionGroup var arguments: MigrateArguments
    func run() async throws {
        let options = arguments.database
        try await DatabaseRun.interruptible { try await DatabaseRun(options: options).migrate(.reset) }
    }
}

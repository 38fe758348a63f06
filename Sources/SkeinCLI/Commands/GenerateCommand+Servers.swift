import Foundation
import SkeinCodegen

extension GenerateCommand {
    /// Applies the schemas on `--dev-url`'s server (cached by the schema's hash unless --no-cache) and generates; a
    /// package with its own database (``ownDatabases(_:path:)``) is described there, and `url` is not used for it.
    static func onDevelopmentServer(
        _ url: String, schemas: [SchemaSource], cache: Bool, configuration: CodegenConfiguration, base: String,
        ownDatabases: [String?]
    ) async throws -> [(result: CodeGenerator.Result, recorded: DescribeCache?)] {
        var generated: [(result: CodeGenerator.Result, recorded: DescribeCache?)] = []
        for (index, (package, schema)) in zip(configuration.packages, schemas).enumerated() {
            if let own = ownDatabases[index] {
                generated.append(try await onOwnDatabase(own, package: package, schema: schema, base: base))
            } else if cache {
                let (database, _, warnings) = try await SchemaDatabase.prepare(schema, serverConnectionString: url)
                Self.warn(warnings)
                let describer = try QueryDescriber(connectionString: url, database: database)
                generated.append(try await recording(package, schema: schema, base: base, describer: describer))
            } else {
                let database = try await SchemaDatabase.createScratch(serverConnectionString: url)
                do {
                    let describer = try QueryDescriber(connectionString: url, database: database)
                    Self.warn(try await CodeGenerator.apply(schema, on: describer))
                    generated.append(try await recording(package, schema: schema, base: base, describer: describer))
                    try? await SchemaDatabase.drop(database, serverConnectionString: url)
                } catch {
                    try? await SchemaDatabase.drop(database, serverConnectionString: url)
                    throw error
                }
            }
        }
        return generated
    }

    /// A package described on its own database as that database is: nothing is applied to it.
    static func onOwnDatabase(
        _ url: String, package: CodegenConfiguration.Package, schema: SchemaSource, base: String
    ) async throws -> (result: CodeGenerator.Result, recorded: DescribeCache?) {
        try await recording(package, schema: schema, base: base, describer: try QueryDescriber(connectionString: url))
    }

    /// Each package's own database (`database: {uri: …}` without `schema:`, sqlc's database-backed analysis), its
    /// variables expanded from the environment; `nil` for a package whose schema is applied to a scratch database.
    static func ownDatabases(_ configuration: CodegenConfiguration, path: String) throws -> [String?] {
        try configuration.packages.map { package -> String? in
            guard package.describesOnOwnDatabase else { return nil }
            do throws(CodegenConfiguration.Package.UnsetVariable) {
                return try package.databaseURL(environment: CLIContext.current.environment)
            } catch {
                throw CLIFailure(
                    .configuration,
                    "\(path): database.uri names $\(error.name), which is not set; set it (sqlc reads the same variable), or give the entry `schema:` to describe the queries on a scratch database"
                )
            }
        }
    }
}

import Foundation

extension SwiftEmitter {
    // MARK: - Models

    func models(_ analysis: PackageAnalysis) -> String {
        var out = Writer()
        out.line(Self.header)
        out.line("// swift-format-ignore-file")
        out.line("// skein generate: the schema's tables and enums.")
        out.line()
        let file = SwiftDecisions.modelsFile(analysis)
        imports(
            into: &out, foundationInPublicAPI: file.foundationInPublicAPI,
            postgresInPublicAPI: file.postgresInPublicAPI, runtime: file.runtime,
            runtimeInPublicAPI: file.runtimeInPublicAPI)
        for model in analysis.enums {
            out.line()
            enumeration(model, into: &out)
        }
        for model in analysis.composites {
            out.line()
            composite(model, into: &out)
        }
        for table in analysis.tables {
            out.line()
            self.table(table, readAsValue: file.readAsValues.contains(table.swiftName), into: &out)
        }
        return out.text
    }

    func enumeration(_ model: EnumModel, into out: inout Writer) {
        let conformances =
            ["String", "Sendable", "Hashable", "CaseIterable"] + (options.emitCodable ? ["Codable"] : [])
            + ["PostgresNonThrowingEncodable", "PostgresDecodable", "PostgresArrayEncodable", "PostgresArrayDecodable"]
        out.line(
            "/// The PostgreSQL enum `\(model.schema).\(model.name)`; it binds as text, cast to the enum in the SQL.")
        out.line("\(access)enum \(model.swiftName): \(conformances.joined(separator: ", ")) {")
        var used: Set<String> = []
        for label in model.labels {
            var name = Self.caseName(label)
            while used.contains(name) { name += "_" }
            used.insert(name)
            let identifier = Self.identifier(name)
            out.line(name == label ? "    case \(identifier)" : "    case \(identifier) = \(Self.stringLiteral(label))")
        }
        out.line()
        out.line("    \(access)static var psqlType: PostgresDataType { .text }")
        out.line("    \(access)static var psqlFormat: PostgresFormat { .binary }")
        out.line("    \(access)static var psqlArrayType: PostgresDataType { .textArray }")
        out.line()
        out.line("    \(access)func encode<JSONEncoder: PostgresJSONEncoder>(")
        out.line("        into byteBuffer: inout ByteBuffer, context: PostgresEncodingContext<JSONEncoder>")
        out.line("    ) {")
        out.line("        byteBuffer.writeString(rawValue)")
        out.line("    }")
        out.line()
        decodingInitializer(into: &out)
        out.line(
            "        guard let label = buffer.readString(length: buffer.readableBytes), let value = Self(rawValue: label)"
        )
        out.line("        else { throw PostgresDecodingError.Code.failure }")
        out.line("        self = value")
        out.line("    }")
        out.line("}")
    }

    /// The first lines of PostgresDecodable's initialiser, as a member of the type being written.
    func decodingInitializer(into out: inout Writer) {
        out.line("    \(access)init<JSONDecoder: PostgresJSONDecoder>(")
        out.line("        from buffer: inout ByteBuffer, type: PostgresDataType, format: PostgresFormat,")
        out.line("        context: PostgresDecodingContext<JSONDecoder>")
        out.line("    ) throws {")
    }

    /// A composite type's struct, decoded from PostgreSQL's binary record format (SkeinTypes'
    /// `PostgresRecordReader`); it is read, not bound (a query builds one with `ROW(…)::type`).
    func composite(_ model: CompositeModel, into out: inout Writer) {
        out.line("/// The PostgreSQL composite type `\(model.schema).\(model.name)`; read from query results.")
        out.line("\(access)struct \(model.swiftName): \(conformances(model.fields)) {")
        memberwise(model.fields, into: &out, indent: "    ")
        out.line("}")
        out.line()
        recordDecoding(model.swiftName, model.fields, decodedTypes: model.decodedTypes, into: &out)
    }

    /// `PostgresDecodable` from PostgreSQL's binary record format (SkeinTypes' `PostgresRecordReader`), for a
    /// composite type's struct or a table's model read as a value.
    func recordDecoding(
        _ swiftName: String, _ fields: [AnalyzedQuery.Field], decodedTypes: [UInt32?], into out: inout Writer
    ) {
        out.line("extension \(swiftName): PostgresDecodable, PostgresArrayDecodable {")
        decodingInitializer(into: &out)
        out.line("        var record = try PostgresRecordReader(&buffer, format: format, fields: \(fields.count))")
        out.line("        self.init(")
        for (index, field) in fields.enumerated() {
            let comma = index == fields.count - 1 ? "" : ","
            let decoded = (index < decodedTypes.count ? decodedTypes[index] : nil).map {
                "as: PostgresDataType(\($0)), "
            }
            let next = Self.decoded(field) { "record.next(\($0).self, \(decoded ?? "")context: context)" }
            out.line("            \(field.name): \(next)\(comma)")
        }
        out.line("        )")
        out.line("    }")
        out.line("}")
    }

    /// A table's model; with `readAsValue`, also decoded from a record (``recordDecoding(_:_:decodedTypes:into:)``).
    func table(_ table: TableModel, readAsValue: Bool, into out: inout Writer) {
        out.line("/// The table `\(table.schema).\(table.name)`.")
        out.line("\(access)struct \(table.swiftName): \(conformances(table.columns)) {")
        memberwise(table.columns, into: &out, indent: "    ")
        out.line("}")
        out.line()
        out.line("extension \(table.swiftName) {")
        out.line("    /// Decodes the table's columns from `row`, starting at column `start`.")
        out.line("    init(row: PostgresRandomAccessRow, from start: Int) throws {")
        out.line("        self.init(")
        for (index, column) in table.columns.enumerated() {
            let comma = index == table.columns.count - 1 ? "" : ","
            out.line(
                "            \(column.name): \(Self.decoded(column) { "row[start + \(index)].decode(\($0).self)" })\(comma)"
            )
        }
        out.line("        )")
        out.line("    }")
        out.line("}")
        if readAsValue {
            out.line()
            recordDecoding(table.swiftName, table.columns, decodedTypes: table.decodedTypes, into: &out)
        }
    }

    /// `Sendable, Hashable` (and `Codable`) when every field's type is one the generator knows to be so.
    func conformances(_ fields: [AnalyzedQuery.Field]) -> String {
        var list = ["Sendable"]
        if decisions.isHashable(fields) { list.append("Hashable") }
        if options.emitCodable && decisions.isCodable(fields) { list.append("Codable") }
        return list.joined(separator: ", ")
    }

    /// Stored properties and a memberwise `init` with the same access level.
    func memberwise(
        _ fields: [AnalyzedQuery.Field], into out: inout Writer, indent: String, optionalDefault: Bool = false
    ) {
        for field in fields {
            out.line("\(indent)\(access)var \(Self.identifier(field.name)): \(Self.type(field))")
        }
        out.line()
        let parameters = fields.map { Self.parameter($0.name, Self.type($0), optionalDefault: optionalDefault) }
            .joined(separator: ", ")
        out.line("\(indent)\(access)init(\(parameters)) {")
        for field in fields {
            out.line("\(indent)    self.\(Self.identifier(field.name)) = \(Self.argument(field.name))")
        }
        out.line("\(indent)}")
    }
}

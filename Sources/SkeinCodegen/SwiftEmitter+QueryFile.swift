import Foundation

extension SwiftEmitter {
    // MARK: - Query files

    func queryFile(_ file: String, _ plans: [QueryPlan]) -> String {
        var out = Writer()
        out.line(Self.header)
        out.line("// swift-format-ignore-file")
        out.line("// source: \(file)")
        out.line()
        let fields = plans.flatMap(SwiftDecisions.publicFields)
        imports(
            into: &out, foundationInPublicAPI: SwiftDecisions.usesFoundation(fields),
            runtime: SwiftDecisions.usesRuntime(fields) || SwiftDecisions.readsThroughRuntime(fields),
            runtimeInPublicAPI: SwiftDecisions.usesRuntime(fields))
        for plan in plans {
            out.line()
            statement(plan, into: &out)
        }
        if !plans.isEmpty {
            out.line()
            out.line("extension Queries {")
            for (index, plan) in plans.enumerated() {
                if index > 0 { out.line() }
                methods(plan, into: &out)
            }
            out.line("}")
        }
        return out.text
    }

    /// The Swift type of a field, `?` included.
    public static func type(_ field: AnalyzedQuery.Field) -> String {
        (field.nullable ? field.swiftType.optional : field.swiftType).description
    }

    /// The expression that reads `field`: `decode` given the type to read (`cells[0].decode(\($0).self)`), or, for
    /// an array of a domain, given SkeinTypes' `PostgresDomainArray` of its element, whose elements it keeps.
    static func decoded(_ field: AnalyzedQuery.Field, _ decode: (String) -> String) -> String {
        guard field.domainArray, case .array(let element) = field.swiftType else { return "try \(decode(type(field)))" }
        let wrapper = "PostgresDomainArray<\(element)>"
        return field.nullable ? "try \(decode(wrapper + "?"))?.elements" : "try \(decode(wrapper)).elements"
    }

    /// The statement's `Row` type as methods return it.
    func rowType(_ plan: QueryPlan) -> String {
        switch plan.row {
        case .none: "Void"
        case .value(let field): Self.type(field)
        case .model(let model): model.swiftName
        case .fields: "\(plan.query.name).Row"
        }
    }

    func statement(_ plan: QueryPlan, into out: inout Writer) {
        let a = access
        let query = plan.query
        let parameters = plan.analyzed.parameters
        for comment in query.comments { out.line(comment.isEmpty ? "///" : "/// \(comment)") }
        if !query.comments.isEmpty { out.line("///") }
        out.line("/// `\(query.name)` (:\(query.command.rawValue), \(query.file):\(query.line)).")
        out.line("\(a)struct \(query.name): PostgresPreparedStatement {")
        out.line("    \(a)static let sql = \(Self.multilineLiteral(plan.sql, indent: "        "))")
        out.line()
        let types = parameters.map { "\(Self.bindingType($0)).psqlType" }
        out.line("    \(a)static let bindingDataTypes: [PostgresDataType] = [\(types.joined(separator: ", "))]")
        out.line()
        switch plan.row {
        case .none where plan.affectedTag != nil:
            out.line("    /// The number of rows the statement touched.")
            out.line("    \(a)typealias Row = Int64")
        case .none:
            out.line("    \(a)typealias Row = Void")
        case .value(let field):
            out.line("    \(a)typealias Row = \(Self.type(field))")
        case .model(let model):
            out.line("    \(a)typealias Row = \(model.swiftName)")
        case .fields(let fields):
            var stored: [AnalyzedQuery.Field] = []
            for field in fields {
                switch field {
                case .column(_, let column): stored.append(column)
                case .embed(let name, let model, _):
                    stored.append(
                        AnalyzedQuery.Field(
                            name: name, postgresType: model.name, swiftType: .named(model.swiftName), nullable: false))
                }
            }
            out.line("    \(a)struct Row: \(conformances(stored)) {")
            memberwise(stored, into: &out, indent: "        ")
            out.line("    }")
        }
        out.line()
        if parameters.count > 1 {
            out.line("    \(a)struct Params: \(conformances(parameters)) {")
            memberwise(parameters, into: &out, indent: "        ", optionalDefault: true)
            out.line("    }")
            out.line()
            out.line("    \(a)var params: Params")
            out.line()
            out.line("    \(a)init(_ params: Params) {")
            out.line("        self.params = params")
            out.line("    }")
            out.line()
        } else if let parameter = parameters.first {
            out.line("    \(a)var \(Self.identifier(parameter.name)): \(Self.type(parameter))")
            out.line()
            out.line("    \(a)init(\(Self.parameter(parameter.name, Self.type(parameter), optionalDefault: true))) {")
            out.line("        self.\(Self.identifier(parameter.name)) = \(Self.argument(parameter.name))")
            out.line("    }")
            out.line()
        } else {
            out.line("    \(a)init() {}")
            out.line()
        }
        out.line("    \(a)func makeBindings() throws -> PostgresBindings {")
        if parameters.isEmpty {
            out.line("        PostgresBindings()")
        } else {
            out.line("        var bindings = PostgresBindings(capacity: \(parameters.count))")
            for parameter in parameters {
                let path =
                    parameters.count > 1
                    ? "params.\(Self.identifier(parameter.name))"
                    : parameter.name == "self" ? "self.`self`" : Self.identifier(parameter.name)
                out.line("        \(decisions.bindingThrows(parameter) ? "try " : "")bindings.append(\(path))")
            }
            out.line("        return bindings")
        }
        out.line("    }")
        out.line()
        out.line("    \(a)func decodeRow(_ row: PostgresRow) throws -> Row {")
        switch plan.row {
        case .none where plan.affectedTag != nil:
            out.line("        try row.makeRandomAccess()[0].decode(Int64.self)")
        case .none:
            out.line("        ()")
        case .value(let field):
            out.line("        \(Self.decoded(field) { "row.makeRandomAccess()[0].decode(\($0).self)" })")
        case .model(let model):
            out.line("        try \(model.swiftName)(row: row.makeRandomAccess(), from: 0)")
        case .fields(let fields):
            out.line("        let cells = row.makeRandomAccess()")
            out.line("        return Row(")
            for (index, field) in fields.enumerated() {
                let comma = index == fields.count - 1 ? "" : ","
                switch field {
                case .column(let column, let value):
                    out.line(
                        "            \(value.name): \(Self.decoded(value) { "cells[\(column)].decode(\($0).self)" })\(comma)"
                    )
                case .embed(let name, let model, let start):
                    out.line("            \(name): try \(model.swiftName)(row: cells, from: \(start))\(comma)")
                }
            }
            out.line("        )")
        }
        out.line("    }")
        out.line("}")
    }

    struct Signature {
        var name: String
        var arguments: String
        var result: String
        var declaration: String { "func \(name)(\(arguments)) async throws -> \(result)" }
    }

    /// The names of a query's `Queries` methods: `getUser`; for `:many` also `getUserStream`.
    static func methodNames(of query: AnnotatedQuery) -> [String] {
        let name = QueryAnalyzer.memberName(query.name)
        return query.command == .many ? [name, name + "Stream"] : [name]
    }

    /// The members `Queries` itself declares (see ``queriesType(_:)``): a query's method must not take one.
    static let queriesMemberNames: Set<String> = [
        "executor", "logger", "withTransaction", "withConnection", "stream", "all", "first", "one",
    ]

    /// The `Queries` methods of a query (and the `Querier` requirements).
    func signatures(_ plan: QueryPlan) -> [Signature] {
        let query = plan.query
        let names = Self.methodNames(of: query)
        let name = names[0]
        let parameters = plan.analyzed.parameters
        let arguments: String
        let itemType: String
        if parameters.count > 1 {
            arguments = "_ params: \(query.name).Params"
            itemType = "\(query.name).Params"
        } else if let parameter = parameters.first {
            arguments = Self.parameter(parameter.name, Self.type(parameter), optionalDefault: true)
            itemType = Self.type(parameter)
        } else {
            arguments = ""
            itemType = "Void"
        }
        let row = rowType(plan)
        switch query.command {
        case .one: return [Signature(name: name, arguments: arguments, result: plan.alwaysReturnsRow ? row : "\(row)?")]
        case .many:
            return [
                Signature(name: name, arguments: arguments, result: "[\(row)]"),
                Signature(
                    name: names[1], arguments: arguments,
                    result: "AsyncThrowingMapSequence<PostgresRowSequence, \(row)>"),
            ]
        case .exec: return [Signature(name: name, arguments: arguments, result: "Void")]
        case .execrows: return [Signature(name: name, arguments: arguments, result: "Int")]
        case .execresult: return [Signature(name: name, arguments: arguments, result: "String")]
        case .copyfrom: return [Signature(name: name, arguments: "_ rows: [\(itemType)]", result: "Int")]
        case .batchexec: return [Signature(name: name, arguments: "_ items: [\(itemType)]", result: "Void")]
        case .batchmany: return [Signature(name: name, arguments: "_ items: [\(itemType)]", result: "[[\(row)]]")]
        case .batchone: return [Signature(name: name, arguments: "_ items: [\(itemType)]", result: "[\(row)?]")]
        }
    }

    func methods(_ plan: QueryPlan, into out: inout Writer) {
        let a = access
        let query = plan.query
        let parameters = plan.analyzed.parameters
        let make: String
        if parameters.count > 1 {
            make = "\(query.name)(params)"
        } else if let parameter = parameters.first {
            make = "\(query.name)(\(parameter.name): \(Self.argument(parameter.name)))"
        } else {
            make = "\(query.name)()"
        }
        /// The statement for one batch item `item`.
        let makeItem: String
        if parameters.count > 1 {
            makeItem = "\(query.name)(item)"
        } else if let parameter = parameters.first {
            makeItem = "\(query.name)(\(parameter.name): item)"
        } else {
            makeItem = "\(query.name)()"
        }
        let signatures = signatures(plan)
        let doc = "    /// `\(query.name)` (:\(query.command.rawValue), \(query.file):\(query.line))"
        for (index, signature) in signatures.enumerated() {
            if index > 0 { out.line() }
            for comment in query.comments { out.line(comment.isEmpty ? "    ///" : "    /// \(comment)") }
            if !query.comments.isEmpty { out.line("    ///") }
            out.line(index == 0 ? doc + "." : doc + ", row by row as they arrive.")
            out.line("    \(a)\(signature.declaration) {")
            switch query.command {
            case .one where plan.alwaysReturnsRow:
                out.line("        try await one(\(make), query: \(Self.stringLiteral(query.name)))")
            case .one: out.line("        try await first(\(make))")
            case .many: out.line(index == 0 ? "        try await all(\(make))" : "        try await stream(\(make))")
            case .exec: out.line("        _ = try await all(\(make))")
            case .execrows: out.line("        Int(try await first(\(make)) ?? 0)")
            case .execresult:
                out.line("        \"\(plan.affectedTag ?? "") \\(try await first(\(make)) ?? 0)\"")
            case .batchexec:
                out.line("        try await withConnection { queries in")
                out.line("            for item in items { _ = try await queries.all(\(makeItem)) }")
                out.line("        }")
            case .batchmany:
                out.line("        try await withConnection { queries in")
                out.line("            var results: [[\(rowType(plan))]] = []")
                out.line("            for item in items { results.append(try await queries.all(\(makeItem))) }")
                out.line("            return results")
                out.line("        }")
            case .batchone:
                out.line("        try await withConnection { queries in")
                out.line("            var results: [\(rowType(plan))?] = []")
                out.line("            for item in items { results.append(try await queries.first(\(makeItem))) }")
                out.line("            return results")
                out.line("        }")
            case .copyfrom:
                copyBody(plan, into: &out)
            }
            out.line("    }")
        }
    }

    func copyBody(_ plan: QueryPlan, into out: inout Writer) {
        let target = plan.copyTarget ?? QueryPlan.CopyTarget(table: "", columns: [])
        let parameters = plan.analyzed.parameters
        out.line("        let logger = logger")
        out.line("        return try await withConnection { queries in")
        out.line("            guard case .connection(let connection) = queries.executor else { return 0 }")
        out.line(
            "            try await connection.copyFrom(table: \(Self.stringLiteral(target.table)), columns: [\(target.columns.map { Self.stringLiteral($0) }.joined(separator: ", "))], logger: logger) { writer in"
        )
        out.line("                var buffer = ByteBuffer()")
        out.line("                for row in rows {")
        var fields: [String] = []
        for parameter in parameters {
            let value = parameters.count > 1 ? "row.\(Self.identifier(parameter.name))" : "row"
            fields.append(copyExpression(parameter, value: value))
        }
        out.line("                    let fields: [String] = [")
        for (index, field) in fields.enumerated() {
            out.line("                        \(field)\(index == fields.count - 1 ? "" : ",")")
        }
        out.line("                    ]")
        out.line("                    buffer.writeString(fields.joined(separator: \"\\t\"))")
        out.line("                    buffer.writeString(\"\\n\")")
        out.line("                    if buffer.readableBytes > 65_536 {")
        out.line("                        try await writer.write(buffer)")
        out.line("                        buffer.clear()")
        out.line("                    }")
        out.line("                }")
        out.line("                if buffer.readableBytes > 0 { try await writer.write(buffer) }")
        out.line("            }")
        out.line("            return rows.count")
        out.line("        }")
    }

    /// A field's value in COPY text format.
    func copyExpression(_ field: AnalyzedQuery.Field, value: String) -> String {
        let inner: (String) -> String
        switch field.swiftType {
        case .array(.named("String")): inner = { "CopyText.array(\($0))" }
        case .array(let element):
            // An array literal of the elements' text (`{"a","b"}`), then escaped for COPY as a whole.
            inner = { "CopyText.array(\($0).map { \(Self.copyElementText(element, "$0")) })" }
        case .named("PostgresBitString"): inner = { "\($0).description" }
        case .named("Bool"): inner = { "(\($0) ? \"t\" : \"f\")" }
        case .named("Int16"), .named("Int32"), .named("Int64"), .named("Float"), .named("Double"):
            inner = { "String(\($0))" }
        case .named("Decimal"): inner = { "\"\\(\($0))\"" }
        case .named("String"): inner = { "CopyText.text(\($0))" }
        case .named("UUID"): inner = { "\($0).uuidString" }
        case .named("Date"): inner = { "CopyText.timestamp(\($0))" }
        case .named("ByteBuffer"): inner = { "CopyText.bytes(\($0))" }
        default: inner = { "CopyText.text(\($0).rawValue)" }
        }
        return field.nullable ? "\(value).map { \(inner("$0")) } ?? \"\\\\N\"" : inner(value)
    }

    /// An array element's text as PostgreSQL's input function reads it, before any quoting or escaping.
    static func copyElementText(_ type: SwiftType, _ value: String) -> String {
        switch type {
        case .named("Bool"): "(\(value) ? \"t\" : \"f\")"
        case .named("Int16"), .named("Int32"), .named("Int64"), .named("Float"), .named("Double"): "String(\(value))"
        case .named("Decimal"): "\"\\(\(value))\""
        case .named("String"): value
        case .named("UUID"): "\(value).uuidString"
        case .named("Date"): "CopyText.timestamp(\(value))"
        case .named("ByteBuffer"): "CopyText.hex(\(value))"
        default: "\(value).rawValue"
        }
    }

    /// The Swift type whose `psqlType` a parameter binds as (`[Mood]` for `mood[]`).
    static func bindingType(_ field: AnalyzedQuery.Field) -> SwiftType {
        field.swiftType.unwrapped
    }
}

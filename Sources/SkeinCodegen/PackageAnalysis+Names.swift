import Foundation
import SkeinCore
import SkeinSQL

extension PackageAnalysis {
    /// Type names the generated code refers to: a model, enum or query of that name would shadow them.
    static let reservedTypeNames: Set<String> = [
        "Queries", "Querier", "CopyText", "NoRow", "Row", "Params", "Executor", "String", "Int", "Int16", "Int32",
        "Int64",
        "Float", "Double", "Bool", "Decimal", "UUID", "Date", "Calendar", "TimeZone", "ByteBuffer", "Logger", "Void",
        "Sendable", "Hashable", "Codable", "CaseIterable", "Optional", "Array", "AsyncThrowingMapSequence",
        "PostgresClient", "PostgresConnection", "PostgresRow", "PostgresRandomAccessRow", "PostgresRowSequence",
        "PostgresBindings", "PostgresDataType", "PostgresFormat", "PostgresPreparedStatement",
        "PostgresTransactionError", "PostgresDecodingError", "PostgresEncodingContext", "PostgresDecodingContext",
        "PostgresJSONEncoder", "PostgresJSONDecoder", "PostgresNonThrowingEncodable", "PostgresDecodable",
        "PostgresArrayEncodable", "PostgresArrayDecodable", "PostgresRecordReader",
    ]

    /// A rejected query at its file:line (the line of PostgreSQL's position when it gave one).
    static func error(_ rejection: QueryDescriberError, in query: AnnotatedQuery) -> Diagnostic {
        var line = rejection.line(in: query.sql, startingAt: query.sqlLine)
        var column: Int?
        // PostgreSQL's position in the rewritten SQL, back to the file's line:column (as lint reports).
        if let position = rejection.position, let location = query.location(ofPosition: position) {
            (line, column) = (location.line, location.column)
        }
        var message = "\(query.name): \(rejection.message)"
        if let sqlState = rejection.sqlState { message += " (SQLSTATE \(sqlState))" }
        if let hint = rejection.hint { message += "; hint: \(hint)" }
        return Diagnostic.codegen(
            rejection.code == .notCached ? "describe-cache-stale" : "query-rejected", file: query.file, line: line,
            column: column, message: message)
    }

    /// A second `id` becomes `id2`, a third `id3` (sqlc: `id_2`); by position, so that two equal fields (`id >= $1
    /// AND id <= $2`) get two names.
    static func uniqued(_ fields: [AnalyzedQuery.Field]) -> [AnalyzedQuery.Field] {
        var taken: Set<String> = []
        return fields.map { field in
            var copy = field
            copy.name = unique(field.name, taken: &taken)
            return copy
        }
    }

    /// `name`, or `name2`, `name3`, … the first one not `taken`; the result is added to `taken`.
    static func unique(_ name: String, taken: inout Set<String>) -> String {
        var candidate = name
        var count = 1
        while taken.contains(candidate) {
            count += 1
            candidate = name + String(count)
        }
        taken.insert(candidate)
        return candidate
    }

    /// sqlc's singular for a model's name: `users` → `user`, `categories` → `category`, `addresses` → `address`.
    static func singular(_ name: String) -> String {
        let lower = name.lowercased()
        for keep in ["status", "series", "news", "data", "metadata", "analysis", "species"] where lower.hasSuffix(keep)
        {
            return name
        }
        if lower.hasSuffix("ies"), name.count > 3 { return String(name.dropLast(3)) + "y" }
        for ending in ["sses", "shes", "ches", "xes", "zes", "uses"] where lower.hasSuffix(ending) {
            return String(name.dropLast(2))
        }
        if lower.hasSuffix("s"), !lower.hasSuffix("ss"), !lower.hasSuffix("us"), !lower.hasSuffix("is"), name.count > 1
        {
            return String(name.dropLast())
        }
        return name
    }

    /// The PostgreSQL type (`pg_type.typname`) a Swift type binds as, for the types the analysis maps; `nil` for
    /// an override (its `psqlType` decides, so the query casts to PostgreSQL's type).
    static func naturalType(of swift: SwiftType, enums: Set<String>) -> String? {
        switch swift {
        case .array(let element): naturalType(of: element, enums: enums).map { "_" + $0 }
        case .named(let name): enums.contains(name) ? "text" : naturalTypes[name]
        case .generic("PostgresMultiArray", let arguments) where arguments.count == 1:
            naturalType(of: arguments[0], enums: enums).map { "_" + $0 }
        case .generic, .optional: nil
        }
    }

    /// The Swift types the analysis maps and the PostgreSQL type each binds as.
    private static let naturalTypes: [String: String] = [
        "Bool": "bool", "Int16": "int2", "Int32": "int4", "Int64": "int8", "Float": "float4", "Double": "float8",
        "Decimal": "numeric", "String": "text", "UUID": "uuid", "Date": "timestamptz", "ByteBuffer": "bytea",
        "UInt8": "char", "PostgresInterval": "interval", "PostgresINET": "inet", "PostgresMoney": "money",
        "PostgresBitString": "varbit", "PostgresOID": "oid", "PostgresLSN": "pg_lsn", "PostgresXML": "xml",
        "PostgresMACAddress": "macaddr", "PostgresMACAddress8": "macaddr8", "PostgresTime": "time",
        "PostgresTimeTZ": "timetz", "PostgresJSONPath": "jsonpath", "PostgresPoint": "point",
        "PostgresLineSegment": "lseg", "PostgresBox": "box", "PostgresPath": "path", "PostgresPolygon": "polygon",
        "PostgresLine": "line", "PostgresCircle": "circle", "PostgresInt4Range": "int4range",
        "PostgresInt8Range": "int8range", "PostgresNumRange": "numrange", "PostgresTimestampRange": "tsrange",
        "PostgresTimestampTZRange": "tstzrange", "PostgresDateRange": "daterange",
        "PostgresInt4Multirange": "int4multirange", "PostgresInt8Multirange": "int8multirange",
        "PostgresNumMultirange": "nummultirange", "PostgresTimestampMultirange": "tsmultirange",
        "PostgresTimestampTZMultirange": "tstzmultirange", "PostgresDateMultirange": "datemultirange",
        "PostgresTSVector": "tsvector", "PostgresTSQuery": "tsquery",
    ]
}

import Foundation
import SkeinCore
import SkeinSQL

/// The policy's "Lock Timeout" row: since PostgreSQL 11, `ADD COLUMN … DEFAULT` with a non-volatile default only
/// records the value in the catalog; a volatile default (`random()`, `gen_random_uuid()`, `clock_timestamp()`,
/// `nextval()`, a serial type), a stored generated column or an identity column makes PostgreSQL rewrite the table
/// under ACCESS EXCLUSIVE. Functions Skein does not know are treated as possibly volatile (as squawk does); tables
/// created in the same migration are exempt.
struct AddingFieldWithDefaultRule: LintRule {
    static let info = LintRuleInfo(
        id: "adding-field-with-default", defaultSeverity: .warning,
        summary:
            "ADD COLUMN with a volatile default, a serial type, or a generated or identity column, on a table that existed before this migration",
        policy: LockSafetyRules.policy)

    var rules: [LintRuleInfo] { [Self.info] }

    /// Built-in functions PostgreSQL marks VOLATILE that appear in column defaults.
    static let volatileFunctions: Set<String> = [
        "random", "random_normal", "gen_random_uuid", "uuid_generate_v1", "uuid_generate_v1mc", "uuid_generate_v4",
        "clock_timestamp", "timeofday", "nextval", "setval", "txid_current", "pg_current_xact_id", "gen_random_bytes",
        "uuidv7", "uuidv4",
    ]

    /// Built-in functions PostgreSQL marks STABLE or IMMUTABLE that appear in column defaults: their value is
    /// computed once, when the column is added, and stored in the catalog.
    static let nonVolatileFunctions: Set<String> = [
        "now", "transaction_timestamp", "statement_timestamp", "current_setting", "to_timestamp", "to_date",
        "to_char", "date_trunc", "make_date", "make_time", "make_timestamp", "make_timestamptz", "make_interval",
        "lower", "upper", "concat", "concat_ws", "md5", "length", "substr", "substring", "replace", "btrim", "trim",
        "jsonb_build_object", "json_build_object", "jsonb_build_array", "json_build_array", "to_jsonb", "to_json",
        "array_fill", "int4range", "int8range", "tstzrange", "daterange", "numrange", "inet", "abs", "round",
        "timezone", "date_part", "extract",
    ]

    /// Why adding the column rewrites the table, or `nil` when PostgreSQL can add it from the catalog alone.
    static func rewriteReason(_ column: SQLNode, postgresVersion: Int = 15) -> String? {
        if let type = column["typeName"]?["names"]?.names.last?.lowercased(),
            ["smallserial", "serial", "bigserial", "serial2", "serial4", "serial8"].contains(type)
        {
            return "its type \(type) fills it from nextval(), which is volatile"
        }
        for entry in column["constraints"]?.array ?? [] {
            guard let constraint = entry["Constraint"] else { continue }
            switch constraint["contype"]?.string {
            case "CONSTR_IDENTITY":
                return "an identity column is filled from a sequence, row by row"
            case "CONSTR_GENERATED":
                return "a stored generated column is computed for every row"
            case "CONSTR_DEFAULT":
                guard let expression = constraint["raw_expr"] else { continue }
                if postgresVersion < 11 {
                    return
                        "before PostgreSQL 11 (lint.postgres-version: \(postgresVersion)) any default is written into every row"
                }
                for node in expression.descendants() {
                    guard let call = node["FuncCall"], let name = call["funcname"]?.names.last?.lowercased()
                    else { continue }
                    if volatileFunctions.contains(name) {
                        return "its default calls \(name)(), which is volatile"
                    }
                    if !nonVolatileFunctions.contains(name) {
                        return "its default calls \(name)(), which may be volatile"
                    }
                }
            default:
                continue
            }
        }
        return nil
    }

    func check(_ file: LintFile, context: LintContext) -> [LintFinding] {
        LockSafetyRules.alterationsOfExistingTables(in: file).compactMap { alteration in
            guard alteration.subtype == "AT_AddColumn", let column = alteration.subcommand["def"]?["ColumnDef"],
                let reason = Self.rewriteReason(column, postgresVersion: context.postgresVersion)
            else { return nil }
            let name = column["colname"]?.string ?? "<column>"
            return Self.info.finding(
                "adding \(alteration.table).\(name) rewrites the table under an ACCESS EXCLUSIVE lock, blocking reads and writes: \(reason)",
                hint:
                    "add the column without the default (or with a constant or STABLE one), then backfill existing rows in batches and set the default in a later step",
                at: alteration.command.location)
        }
    }
}

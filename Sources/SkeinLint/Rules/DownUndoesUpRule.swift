import Foundation
import SkeinCore
import SkeinSQL

/// "Every migration MUST be reversible" and the Reversible Operations table: what the Up creates (a table,
/// column, index, named constraint, type, function, trigger, view, sequence, schema or extension), the Down
/// drops — itself, or with the table it belongs to. `ALTER TYPE … ADD VALUE` cannot be undone by a statement:
/// the Down must recreate the type. A file whose Down is the policy's manual-recovery stub is exempt.
struct DownUndoesUpRule: LintRule {
    static let downUndoesUp = LintRuleInfo(
        id: "down-undoes-up", defaultSeverity: .error,
        summary: "an object the Up creates (or an enum value it adds) that the Down does not undo",
        policy:
            "Every migration MUST be reversible: All migrations must include a functional -- +goose Down section"
    )
    static let downKeepsSharedObject = LintRuleInfo(
        id: "down-keeps-shared-object", defaultSeverity: .info,
        summary: "a schema or extension the Up creates with IF NOT EXISTS that the Down keeps",
        policy: "Data preservation: Down migrations should preserve data when possible")

    var rules: [LintRuleInfo] { [Self.downUndoesUp, Self.downKeepsSharedObject] }

    /// One thing the Up creates, with what else would remove it.
    struct Creation {
        var object: SchemaObject
        /// The table an index, column, constraint or trigger belongs to.
        var table: String?
        /// The columns an index or constraint reads.
        var columns: Set<String> = []
        /// The function a trigger calls.
        var triggerFunction: String?
        /// Created with IF NOT EXISTS (schemas and extensions) or OR REPLACE (functions, views): it may have
        /// existed before.
        var mayHaveExisted = false
        /// Unnamed index: PostgreSQL picks the name.
        var unnamed = false
        /// For a constraint made `USING INDEX`: that index, which becomes the constraint's.
        var adoptedIndex: SchemaObject?
        var command: LintCommand
    }

    /// What one Up command creates.
    static func creations(of command: LintCommand) -> [Creation] {
        guard let body = command.body else { return [] }
        func make(_ object: SchemaObject) -> Creation { Creation(object: object, command: command) }
        switch command.nodeType {
        case "CreateStmt":
            return SchemaObject.relation(body["relation"]).map { [make(SchemaObject(.table, $0))] } ?? []
        case "CreateTableAsStmt":
            let kind: SchemaObject.Kind = body["objtype"]?.string == "OBJECT_MATVIEW" ? .materializedView : .table
            return SchemaObject.relation(body["into"]?["rel"]).map { [make(SchemaObject(kind, $0))] } ?? []
        case "ViewStmt":
            guard let name = SchemaObject.relation(body["view"]) else { return [] }
            var creation = make(SchemaObject(.view, name))
            creation.mayHaveExisted = body.flag("replace")
            return [creation]
        case "CreateSeqStmt":
            return SchemaObject.relation(body["sequence"]).map { [make(SchemaObject(.sequence, $0))] } ?? []
        case "IndexStmt":
            guard let table = SchemaObject.relation(body["relation"]) else { return [] }
            let schema = body["relation"]?["schemaname"]?.string
            var creation = make(
                SchemaObject(.index, SchemaObject.name([schema, body["idxname"]?.string ?? ""].compactMap { $0 })))
            creation.table = table
            creation.columns = SchemaObject.columns(ofIndex: body)
            creation.unnamed = body["idxname"] == nil
            return [creation]
        case "CreateEnumStmt", "CreateRangeStmt":
            return [make(SchemaObject(.type, SchemaObject.name(body["typeName"]?.names ?? [])))]
        case "CompositeTypeStmt":
            return SchemaObject.relation(body["typevar"]).map { [make(SchemaObject(.type, $0))] } ?? []
        case "DefineStmt" where body["kind"]?.string == "OBJECT_TYPE":
            return [make(SchemaObject(.type, SchemaObject.name(body["defnames"]?.names ?? [])))]
        case "CreateDomainStmt":
            return [make(SchemaObject(.domain, SchemaObject.name(body["domainname"]?.names ?? [])))]
        case "CreateFunctionStmt":
            let kind: SchemaObject.Kind = body.flag("is_procedure") ? .procedure : .function
            var creation = make(SchemaObject(kind, SchemaObject.name(body["funcname"]?.names ?? [])))
            creation.mayHaveExisted = body.flag("replace")
            return [creation]
        case "CreateTrigStmt":
            guard let table = SchemaObject.relation(body["relation"]), let name = body["trigname"]?.string else {
                return []
            }
            var creation = make(SchemaObject(.trigger, name, table: table))
            creation.triggerFunction = SchemaObject.name(body["funcname"]?.names ?? [])
            return [creation]
        case "CreateSchemaStmt":
            guard let name = body["schemaname"]?.string else { return [] }
            var creation = make(SchemaObject(.schema, name))
            creation.mayHaveExisted = body.flag("if_not_exists")
            return [creation]
        case "CreateExtensionStmt":
            guard let name = body["extname"]?.string else { return [] }
            var creation = make(SchemaObject(.extension, name))
            creation.mayHaveExisted = body.flag("if_not_exists")
            return [creation]
        case "AlterTableStmt" where (body["objtype"]?.string ?? "OBJECT_TABLE") == "OBJECT_TABLE":
            guard let table = SchemaObject.relation(body["relation"]) else { return [] }
            var result: [Creation] = []
            for cmd in body["cmds"]?.array ?? [] {
                guard let alter = cmd["AlterTableCmd"] else { continue }
                switch alter["subtype"]?.string {
                case "AT_AddColumn":
                    guard let column = alter["def"]?["ColumnDef"]?["colname"]?.string else { continue }
                    var creation = make(SchemaObject(.column, column, table: table))
                    creation.table = table
                    result.append(creation)
                case "AT_AddConstraint":
                    // Unnamed constraints are constraint-name-consistency's to report.
                    guard let constraint = alter["def"]?["Constraint"], let name = constraint["conname"]?.string
                    else { continue }
                    var creation = make(SchemaObject(.constraint, name, table: table))
                    creation.table = table
                    creation.columns = SchemaObject.columns(ofConstraint: constraint)
                    if let index = constraint["indexname"]?.string {
                        let schema = body["relation"]?["schemaname"]?.string
                        creation.adoptedIndex = SchemaObject(
                            .index, SchemaObject.name([schema, index].compactMap { $0 }))
                    }
                    result.append(creation)
                default: continue
                }
            }
            return result
        default:
            return []
        }
    }

    func check(_ file: LintFile, context: LintContext) -> [LintFinding] {
        guard !file.migration.hasManualRecoveryDown, case .success(let section)? = file.migration.down,
            !section.statements.isEmpty, !file.down.contains(where: { $0.body == nil })
        else { return [] }
        let down = DroppedObjects(file.down)
        var findings: [LintFinding] = []
        var reported: Set<SchemaObject> = []
        // ADD CONSTRAINT … USING INDEX i turns index i into the constraint: dropping the constraint drops it.
        let creations = file.up.map(Self.creations)
        var adopted: [SchemaObject: Creation] = [:]
        for creation in creations.joined() {
            if let index = creation.adoptedIndex { adopted[index] = creation }
        }
        for (index, command) in file.up.enumerated() {
            // Objects the Up itself drops again later (scratch tables) need no Down (read when the Down does not
            // undo one).
            lazy var laterInUp = DroppedObjects(file.up[(index + 1)...])
            for creation in creations[index] {
                let object = creation.object
                let undone = { (dropped: DroppedObjects) in
                    dropped.undo(
                        object, table: creation.table, columns: creation.columns,
                        triggerFunction: creation.triggerFunction)
                }
                if creation.unnamed {
                    guard !undone(down), !undone(laterInUp) else { continue }
                    findings.append(
                        Self.downUndoesUp.finding(
                            "the Down does not undo the unnamed index on \(creation.table ?? "?") that the Up creates (PostgreSQL picks its name)",
                            hint:
                                "name the index (CREATE INDEX IF NOT EXISTS <table>_<columns>_idx ON …) and add `DROP INDEX IF EXISTS <that name>;` to the Down",
                            at: command.location))
                    continue
                }
                let recreated = creation.mayHaveExisted && down.recreated.contains(object)
                let adoptedAndUndone = adopted[object].map { constraint in
                    down.undo(constraint.object, table: constraint.table, columns: constraint.columns)
                }
                guard !undone(down), !undone(laterInUp), !recreated, adoptedAndUndone != true,
                    !reported.contains(object)
                else { continue }
                reported.insert(object)
                if creation.mayHaveExisted, object.kind == .schema || object.kind == .extension {
                    findings.append(
                        Self.downKeepsSharedObject.finding(
                            "the Down keeps \(object.description), which the Up creates with IF NOT EXISTS (it may have existed before this migration)",
                            hint:
                                "if this migration introduced it, add `\(object.dropStatement)` to the Down; if other migrations rely on it, keep it",
                            at: command.location))
                    continue
                }
                let what =
                    creation.mayHaveExisted
                    ? "\(object.description), which the Up creates or replaces" : "\(object.description)"
                findings.append(
                    Self.downUndoesUp.finding(
                        "the Down does not undo \(what)",
                        hint: creation.mayHaveExisted
                            ? "add `\(object.dropStatement)` to the Down, or recreate the previous definition there"
                            : "add `\(object.dropStatement)` to the Down (in reverse order of the Up)",
                        at: command.location))
            }
            // ALTER TYPE … ADD VALUE: PostgreSQL cannot remove an enum value.
            if command.nodeType == "AlterEnumStmt", let body = command.body, body["newVal"] != nil,
                body["oldVal"] == nil
            {
                let type = SchemaObject(.type, SchemaObject.name(body["typeName"]?.names ?? []))
                let createdHere = file.up[..<index].contains { earlier in
                    Self.creations(of: earlier).contains { $0.object == type }
                }
                if createdHere || down.recreated.contains(type) { continue }
                let value = body["newVal"]?.string ?? ""
                findings.append(
                    Self.downUndoesUp.finding(
                        "the Up adds value '\(value)' to enum type \(type.name), which PostgreSQL cannot remove, and the Down does not recreate the type",
                        hint:
                            "in the Down, create the type again without '\(value)' (CREATE TYPE \(type.name)_old AS ENUM (…); ALTER TABLE … ALTER COLUMN … TYPE \(type.name)_old USING …::text::\(type.name)_old; DROP TYPE \(type.name); ALTER TYPE \(type.name)_old RENAME TO \(type.name)), or mark the migration DESTRUCTIVE with the policy's manual-recovery Down",
                        at: command.location))
            }
        }
        return findings
    }
}

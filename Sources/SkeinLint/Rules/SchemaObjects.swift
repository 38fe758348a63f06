import SkeinSQL

/// A database object a migration creates or drops, named as PostgreSQL resolves it: libpg_query has already
/// folded unquoted names, and `public.x` is the same object as `x` (the default search path).
struct SchemaObject: Sendable, Hashable {
    enum Kind: String, Sendable, Hashable {
        case table, column, index, constraint, type, domain, function, procedure, trigger, view
        case materializedView = "materialized view"
        case sequence, schema, `extension`
    }

    var kind: Kind
    /// The object's (possibly schema-qualified) name; for a column, constraint or trigger, its own name.
    var name: String
    /// The table a column, constraint or trigger belongs to.
    var table: String?

    init(_ kind: Kind, _ name: String, table: String? = nil) {
        self.kind = kind
        self.name = name
        self.table = table
    }

    /// The schema the object lives in, when its name says so (`app.users` → `app`).
    var schema: String? {
        let qualified = table ?? name
        guard let dot = qualified.lastIndex(of: ".") else { return nil }
        return String(qualified[..<dot])
    }

    /// How people write it: `index users_email_idx`, `column users.email`.
    var description: String {
        switch kind {
        case .column: "column \(table ?? "?").\(name)"
        case .constraint, .trigger: "\(kind.rawValue) \(name) on \(table ?? "?")"
        default: "\(kind.rawValue) \(name)"
        }
    }

    /// The statement that undoes it, for hints.
    var dropStatement: String {
        switch kind {
        case .column: "ALTER TABLE \(table ?? "?") DROP COLUMN IF EXISTS \(name);"
        case .constraint: "ALTER TABLE \(table ?? "?") DROP CONSTRAINT IF EXISTS \(name);"
        case .trigger: "DROP TRIGGER IF EXISTS \(name) ON \(table ?? "?");"
        case .function, .procedure: "DROP \(kind.rawValue.uppercased()) IF EXISTS \(name)(…);"
        default: "DROP \(kind.rawValue.uppercased()) IF EXISTS \(name);"
        }
    }

    /// A qualified name from its parts, `public.` left out.
    static func name(_ parts: [String]) -> String {
        let parts = parts.count > 1 && parts[0] == "public" ? Array(parts.dropFirst()) : parts
        return parts.joined(separator: ".")
    }

    /// The name of a RangeVar node.
    static func relation(_ rangeVar: SQLNode?) -> String? {
        guard let rangeVar, let name = rangeVar["relname"]?.string else { return nil }
        return self.name([rangeVar["schemaname"]?.string, name].compactMap { $0 })
    }

    /// The columns a constraint or an index reads (dropping any of them drops it).
    static func columns(ofConstraint constraint: SQLNode) -> Set<String> {
        var columns = Set((constraint["keys"]?.names ?? []) + (constraint["fk_attrs"]?.names ?? []))
        for node in (constraint["raw_expr"] ?? .null).descendants() where node.nodeType == "ColumnRef" {
            if let last = node.body?["fields"]?.names.last { columns.insert(last) }
        }
        return columns
    }

    static func columns(ofIndex index: SQLNode) -> Set<String> {
        var columns: Set<String> = []
        for param in index["indexParams"]?.array ?? [] {
            if let name = param["IndexElem"]?["name"]?.string { columns.insert(name) }
            for node in (param["IndexElem"]?["expr"] ?? .null).descendants() where node.nodeType == "ColumnRef" {
                if let last = node.body?["fields"]?.names.last { columns.insert(last) }
            }
        }
        return columns
    }
}

/// What a list of commands drops (or, for a Down, puts back), read from their parse trees.
struct DroppedObjects: Sendable {
    var objects: Set<SchemaObject> = []
    /// Schemas dropped with CASCADE (everything in them goes).
    var cascadedSchemas: Set<String> = []
    /// Functions dropped with CASCADE (the triggers that call them go).
    var cascadedFunctions: Set<String> = []
    /// Functions, procedures and views (re)created with CREATE [OR REPLACE], and types created (a Down that
    /// recreates what the Up replaced or changed).
    var recreated: Set<SchemaObject> = []

    init(_ commands: some Sequence<LintCommand>) {
        for command in commands {
            guard let body = command.body else { continue }
            switch command.nodeType {
            case "DropStmt": drop(body)
            case "AlterTableStmt":
                guard let table = SchemaObject.relation(body["relation"]) else { continue }
                for cmd in body["cmds"]?.array ?? [] {
                    guard let alter = cmd["AlterTableCmd"], let name = alter["name"]?.string else { continue }
                    switch alter["subtype"]?.string {
                    case "AT_DropColumn": objects.insert(SchemaObject(.column, name, table: table))
                    case "AT_DropConstraint": objects.insert(SchemaObject(.constraint, name, table: table))
                    default: break
                    }
                }
            case "CreateFunctionStmt":
                let name = SchemaObject.name(body["funcname"]?.names ?? [])
                recreated.insert(SchemaObject(body.flag("is_procedure") ? .procedure : .function, name))
            case "ViewStmt":
                if let name = SchemaObject.relation(body["view"]) { recreated.insert(SchemaObject(.view, name)) }
            case "CreateEnumStmt", "CreateRangeStmt":
                recreated.insert(SchemaObject(.type, SchemaObject.name(body["typeName"]?.names ?? [])))
            case "CompositeTypeStmt":
                if let name = SchemaObject.relation(body["typevar"]) { recreated.insert(SchemaObject(.type, name)) }
            case "RenameStmt" where body["renameType"]?.string == "OBJECT_TYPE":
                // CREATE TYPE x_new …; ALTER TYPE x_new RENAME TO x: x is recreated.
                let old = body["object"]?["List"]?["items"]?.names ?? []
                if let newName = body["newname"]?.string {
                    recreated.insert(SchemaObject(.type, SchemaObject.name(old.dropLast() + [newName])))
                }
            default: break
            }
        }
    }

    /// What DROP's `removeType` drops.
    private static let kinds: [String: SchemaObject.Kind] = [
        "OBJECT_TABLE": .table, "OBJECT_FOREIGN_TABLE": .table, "OBJECT_INDEX": .index, "OBJECT_VIEW": .view,
        "OBJECT_MATVIEW": .materializedView, "OBJECT_SEQUENCE": .sequence, "OBJECT_TYPE": .type,
        "OBJECT_DOMAIN": .domain, "OBJECT_FUNCTION": .function, "OBJECT_PROCEDURE": .procedure,
        "OBJECT_ROUTINE": .function, "OBJECT_TRIGGER": .trigger, "OBJECT_SCHEMA": .schema,
        "OBJECT_EXTENSION": .extension,
    ]

    private mutating func drop(_ body: SQLNode) {
        let cascade = body["behavior"]?.string == "DROP_CASCADE"
        let removeType = body["removeType"]?.string ?? ""
        guard let kind = Self.kinds[removeType] else { return }
        for object in body["objects"]?.array ?? [] {
            let parts: [String] =
                if let sval = object["String"]?["sval"]?.string {
                    [sval]
                } else if let items = object["List"]?["items"] {
                    items.names
                } else if let names = object["TypeName"]?["names"] {
                    names.names
                } else {
                    object["ObjectWithArgs"]?["objname"]?.names ?? []
                }
            guard !parts.isEmpty else { continue }
            switch kind {
            case .trigger:
                objects.insert(
                    SchemaObject(.trigger, parts[parts.count - 1], table: SchemaObject.name(Array(parts.dropLast()))))
            case .function where removeType == "OBJECT_ROUTINE":
                objects.insert(SchemaObject(.function, SchemaObject.name(parts)))
                objects.insert(SchemaObject(.procedure, SchemaObject.name(parts)))
            default:
                objects.insert(SchemaObject(kind, SchemaObject.name(parts)))
            }
            if cascade, kind == .schema { cascadedSchemas.insert(parts[0]) }
            if cascade, kind == .function { cascadedFunctions.insert(SchemaObject.name(parts)) }
        }
    }

    /// Whether `object` is gone after these commands: dropped itself, with `table` (the table it belongs to),
    /// with its schema (CASCADE), with one of the `columns` it reads, or — for a trigger — with the function it
    /// calls (CASCADE).
    func undo(
        _ object: SchemaObject, table: String? = nil, columns: Set<String> = [], triggerFunction: String? = nil
    ) -> Bool {
        if objects.contains(object) { return true }
        guard object.kind != .table else { return object.schema.map(cascadedSchemas.contains) ?? false }
        if let schema = object.schema, cascadedSchemas.contains(schema) { return true }
        if let table = table ?? object.table {
            if objects.contains(SchemaObject(.table, table)) { return true }
            if let schema = SchemaObject(.table, table).schema, cascadedSchemas.contains(schema) { return true }
            if columns.contains(where: { objects.contains(SchemaObject(.column, $0, table: table)) }) { return true }
        }
        if let triggerFunction, cascadedFunctions.contains(triggerFunction) { return true }
        return false
    }
}

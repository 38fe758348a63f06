import SkeinPostgres

/// One way two schema snapshots differ: an object only in one of them, or one field of an object that changed.
///
/// The wording is the caller's, per direction: for a Down check (before = the schema before Up, after = after
/// Down), `.onlyAfter` reads "Down leaves index idx_sessions_token on sessions (created by Up)" and
/// `.changed(field: "default", before: nil, after: "'member'::text")` reads "column users.role: default
/// 'member'::text after Down, none before".
public struct SchemaDifference: Sendable, Hashable, Codable {
    public enum Change: Sendable, Hashable, Codable {
        /// The object exists only in the first snapshot.
        case onlyBefore
        /// The object exists only in the second snapshot.
        case onlyAfter
        /// A field differs; `nil` is "none" (no default, no comment).
        case changed(field: String, before: String?, after: String?)
    }

    public enum Severity: String, Sendable, Hashable, Codable {
        /// The schemas are not equal.
        case error
        /// Worth showing, but no defect: column order (a Down cannot restore a column's position) and a new name
        /// PostgreSQL generated for an object that is otherwise the same.
        case info
    }

    public var kind: SchemaObject.Kind
    /// The object as people name it, unqualified in `public`: "table users", "column users.role",
    /// "index idx_sessions_token on sessions", "function app.add(a integer, b integer)".
    public var object: String
    public var change: Change
    public var severity: Severity

    public init(kind: SchemaObject.Kind, object: String, change: Change, severity: Severity = .error) {
        self.kind = kind
        self.object = object
        self.change = change
        self.severity = severity
    }
}

/// Compares two ``SchemaSnapshot``s.
public enum SchemaDiff {
    /// The differences between `before` and `after`, in snapshot order (kind, then identity; an object's fields
    /// in name order), empty when the schemas are equal.
    ///
    /// Objects are matched by ``SchemaObject/identity``; an object left unmatched on both sides with the same
    /// kind, table and name (a generated name whose definition changed) is the same object, changed. Column
    /// positions are not compared field by field: a table whose shared columns come in a different order gets
    /// one `.info` difference, `column order`. A table, view, materialized view or schema that is only on one
    /// side is reported once: what belongs to it on the same side is not listed.
    ///
    /// ```swift
    /// for difference in SchemaDiff.differences(before: beforeUp, after: afterDown) where difference.severity == .error {
    ///     // report it
    /// }
    /// ```
    public static func differences(before: SchemaSnapshot, after: SchemaSnapshot) -> [SchemaDifference] {
        struct Key: Hashable {
            var kind: SchemaObject.Kind
            var identity: String
        }
        struct NameKey: Hashable {
            var kind: SchemaObject.Kind
            var schema: String?
            var table: String?
            var name: String
        }
        func key(_ object: SchemaObject) -> Key { Key(kind: object.kind, identity: object.identity) }
        func nameKey(_ object: SchemaObject) -> NameKey {
            NameKey(kind: object.kind, schema: object.schema, table: object.table, name: object.name)
        }

        // The usual verdict, found without building any index: nothing differs.
        if before.objects == after.objects { return [] }
        let afterByKey = Dictionary(after.objects.map { (key($0), $0) }, uniquingKeysWith: { first, _ in first })
        let beforeKeys = Set(before.objects.map(key))
        var onlyBefore = before.objects.filter { afterByKey[key($0)] == nil }
        var onlyAfter = after.objects.filter { !beforeKeys.contains(key($0)) }

        // Unmatched on both sides under one name: the same object, changed (a generated name's definition).
        var renamedPairs: [Key: SchemaObject] = [:]
        var unmatchedAfterByName: [NameKey: SchemaObject] = [:]
        for object in onlyAfter where unmatchedAfterByName[nameKey(object)] == nil {
            unmatchedAfterByName[nameKey(object)] = object
        }
        var pairedAfter = Set<Key>()
        for object in onlyBefore {
            if let partner = unmatchedAfterByName.removeValue(forKey: nameKey(object)) {
                renamedPairs[key(object)] = partner
                pairedAfter.insert(key(partner))
            }
        }
        onlyBefore.removeAll { renamedPairs[key($0)] != nil }
        onlyAfter.removeAll { pairedAfter.contains(key($0)) }

        var found: [(object: SchemaObject, order: Int, difference: SchemaDifference)] = []
        for object in before.objects {
            guard let other = afterByKey[key(object)] ?? renamedPairs[key(object)] else { continue }
            for (order, difference) in fieldDifferences(object, other).enumerated() {
                found.append((object, order, difference))
            }
        }
        found += columnOrderDifferences(before: before, after: after).map { ($0.table, -1, $0.difference) }
        found += collapsed(onlyBefore).map { ($0, -2, SchemaDifference(object: $0, change: .onlyBefore)) }
        found += collapsed(onlyAfter).map { ($0, -2, SchemaDifference(object: $0, change: .onlyAfter)) }

        return found.sorted {
            ($0.object.kind, $0.object.identity, $0.order) < ($1.object.kind, $1.object.identity, $1.order)
        }.map(\.difference)
    }

    /// Field by field, in field-name order; a changed generated name is info.
    static func fieldDifferences(_ before: SchemaObject, _ after: SchemaObject) -> [SchemaDifference] {
        var differences: [SchemaDifference] = []
        if before.name != after.name {
            differences.append(
                SchemaDifference(
                    object: before, change: .changed(field: "name", before: before.name, after: after.name),
                    severity: .info))
        }
        let fields = Set(before.properties.keys).union(after.properties.keys).sorted()
        for field in fields where !(before.kind == .column && field == "position") {
            let old = before.properties[field]
            let new = after.properties[field]
            if old != new {
                differences.append(
                    SchemaDifference(object: before, change: .changed(field: field, before: old, after: new)))
            }
        }
        return differences
    }

    /// One `.info` difference per table present on both sides whose shared columns come in another order.
    static func columnOrderDifferences(before: SchemaSnapshot, after: SchemaSnapshot)
        -> [(table: SchemaObject, difference: SchemaDifference)]
    {
        struct TableKey: Hashable {
            var schema: String?
            var table: String
        }
        func columnOrders(_ snapshot: SchemaSnapshot) -> [TableKey: [String]] {
            var positioned: [TableKey: [(Int, String)]] = [:]
            for column in snapshot.objects where column.kind == .column {
                guard let table = column.table else { continue }
                let position = column.properties["position"].flatMap { Int($0) } ?? 0
                positioned[TableKey(schema: column.schema, table: table), default: []].append((position, column.name))
            }
            return positioned.mapValues { $0.sorted { $0 < $1 }.map(\.1) }
        }
        let beforeOrders = columnOrders(before)
        let afterOrders = columnOrders(after)
        let afterTables = Set(after.objects.filter { $0.kind == .table }.map(\.identity))
        var differences: [(SchemaObject, SchemaDifference)] = []
        for table in before.objects where table.kind == .table && afterTables.contains(table.identity) {
            let tableKey = TableKey(schema: table.schema, table: table.name)
            let old = beforeOrders[tableKey] ?? []
            let new = afterOrders[tableKey] ?? []
            let shared = Set(old).intersection(new)
            let oldShared = old.filter(shared.contains)
            let newShared = new.filter(shared.contains)
            if oldShared != newShared {
                differences.append(
                    (
                        table,
                        SchemaDifference(
                            object: table,
                            change: .changed(
                                field: "column order", before: oldShared.joined(separator: ", "),
                                after: newShared.joined(separator: ", ")),
                            severity: .info)
                    ))
            }
        }
        return differences
    }

    /// Drops objects whose table or schema is itself on the list: they went (or came) with it.
    static func collapsed(_ objects: [SchemaObject]) -> [SchemaObject] {
        struct TableKey: Hashable {
            var schema: String?
            var table: String
        }
        let relations: Set<SchemaObject.Kind> = [.table, .view, .materializedView]
        let tables = Set(
            objects.filter { relations.contains($0.kind) }.map { TableKey(schema: $0.schema, table: $0.name) })
        let schemas = Set(objects.filter { $0.kind == .schema }.map(\.name))
        return objects.filter { object in
            if object.kind != .schema, let schema = object.schema, schemas.contains(schema) { return false }
            if let table = object.table, tables.contains(TableKey(schema: object.schema, table: table)) {
                return false
            }
            return true
        }
    }
}

extension SchemaDifference {
    init(object: SchemaObject, change: Change, severity: Severity = .error) {
        self.init(kind: object.kind, object: object.displayName, change: change, severity: severity)
    }
}

extension SchemaObject {
    /// How people name the object: "table users", "column users.role", "index idx on sessions"; objects in
    /// `public` unqualified.
    public var displayName: String {
        func qualified(_ name: String) -> String {
            guard let schema, schema != "public" else { return name }
            return schema + "." + name
        }
        switch kind {
        case .schema, .extension:
            return "\(kind.rawValue) \(name)"
        case .column:
            return "column \(qualified(table ?? "?")).\(name)"
        case .constraint, .index, .trigger, .policy:
            return "\(kind.rawValue) \(name) on \(qualified(table ?? "?"))"
        default:
            return "\(kind.rawValue) \(qualified(name))"
        }
    }
}

/// Comparing two describe caches whose answers differ only in the OIDs the servers gave the schema's objects.
///
/// A cache written by another server (CI's throwaway cluster, a teammate's database) for the same schema holds the
/// same answers with other numbers for the schema's tables and types: OIDs are handed out by each cluster's own
/// counter. The code generated from the two is the same, because the analysis uses an OID only to find a type or a
/// table again, or to tell `initdb`'s objects (below 16384, the same on every server of a major version, and the only
/// OIDs generated code may embed) from the schema's. So when one consistent renaming of the schema's OIDs turns one
/// cache's answers into the other's, `skein generate` keeps the committed cache without replaying it (a whole
/// generation, a third of a `--dev-url` run's CPU on 500 queries).
extension DescribeCache {
    /// Whether `other` answers every question exactly as this cache does, up to one renaming of OIDs from 16384 up:
    /// the same names, labels, modifiers, nullability and messages; each of the schema's objects numbered
    /// differently but consistently (one OID here is always the same OID there, and no two share one); `initdb`'s
    /// OIDs the same. Types are paired by schema and name; tables and the rest by where their numbers stand.
    /// `false` means "not shown to be the same", never "generates different code".
    public func answersTheSame(as other: DescribeCache) -> Bool {
        guard format == other.format, postgresMajor == other.postgresMajor, schema == other.schema,
            catalog.count == other.catalog.count, statements.count == other.statements.count,
            types.count == other.types.count
        else { return false }
        var renaming = OIDRenaming()
        // Types by name first, so that every type OID an answer mentions has its counterpart.
        var theirs: [String: PostgresTypeInfo] = [:]
        for type in other.types { theirs[type.schema + "\u{0}" + type.typeName] = type }
        guard theirs.count == other.types.count else { return false }
        for type in types {
            guard let counterpart = theirs[type.schema + "\u{0}" + type.typeName], renaming.same(type, counterpart)
            else { return false }
        }
        for (key, rows) in catalog {
            guard let otherRows = other.catalog[key], rows.count == otherRows.count else { return false }
            for (row, otherRow) in zip(rows, otherRows) {
                guard row.count == otherRow.count else { return false }
                for (cell, otherCell) in zip(row, otherRow) where !renaming.sameCell(cell, otherCell) {
                    return false
                }
            }
        }
        for (key, answer) in statements {
            guard let otherAnswer = other.statements[key], renaming.same(answer, otherAnswer) else { return false }
        }
        return true
    }
}

/// One renaming of OIDs, built while two caches are compared: `initdb`'s OIDs (below 16384) map to themselves, the
/// schema's to the schema's, one to one.
struct OIDRenaming {
    /// PostgreSQL's `FirstNormalObjectId`: OIDs below it are `initdb`'s.
    static let firstNormalObjectID: UInt32 = 16384

    private var forward: [UInt32: UInt32] = [:]
    private var backward: [UInt32: UInt32] = [:]

    /// Records that `mine` is `theirs` under the renaming; `false` when that contradicts what was recorded or mixes
    /// `initdb`'s OIDs with the schema's.
    mutating func pair(_ mine: UInt32, _ theirs: UInt32) -> Bool {
        if mine < Self.firstNormalObjectID || theirs < Self.firstNormalObjectID { return mine == theirs }
        if let known = forward[mine] { return known == theirs }
        guard backward[theirs] == nil else { return false }
        forward[mine] = theirs
        backward[theirs] = mine
        return true
    }

    mutating func pair(_ mine: UInt32?, _ theirs: UInt32?) -> Bool {
        switch (mine, theirs) {
        case (nil, nil): true
        case (let mine?, let theirs?): pair(mine, theirs)
        default: false
        }
    }

    /// A catalog cell: the same text, or two numbers that pair as OIDs.
    mutating func sameCell(_ mine: String?, _ theirs: String?) -> Bool {
        guard let mine, let theirs else { return mine == nil && theirs == nil }
        if let mineNumber = UInt32(mine), let theirNumber = UInt32(theirs) { return pair(mineNumber, theirNumber) }
        return mine == theirs
    }

    mutating func same(_ mine: PostgresTypeInfo, _ theirs: PostgresTypeInfo) -> Bool {
        guard mine.schema == theirs.schema, mine.typeName == theirs.typeName, mine.sqlName == theirs.sqlName,
            mine.kind == theirs.kind, mine.category == theirs.category, mine.enumLabels == theirs.enumLabels,
            mine.domainBaseTypeModifier == theirs.domainBaseTypeModifier,
            mine.domainNotNull == theirs.domainNotNull, mine.attributes.count == theirs.attributes.count,
            pair(mine.oid, theirs.oid), pair(mine.element, theirs.element),
            pair(mine.domainBase, theirs.domainBase), pair(mine.rangeSubtype, theirs.rangeSubtype)
        else { return false }
        for (attribute, other) in zip(mine.attributes, theirs.attributes) {
            guard attribute.name == other.name, attribute.typeModifier == other.typeModifier,
                attribute.sqlType == other.sqlType, attribute.notNull == other.notNull,
                pair(attribute.type, other.type)
            else { return false }
        }
        return true
    }

    mutating func same(_ mine: DescribeCache.Answer, _ theirs: DescribeCache.Answer) -> Bool {
        guard mine.rejected == theirs.rejected, mine.parameters?.count == theirs.parameters?.count,
            mine.columns?.count == theirs.columns?.count, mine.types?.count == theirs.types?.count
        else { return false }
        for (parameter, other) in zip(mine.parameters ?? [], theirs.parameters ?? []) {
            guard parameter.number == other.number, parameter.sqlType == other.sqlType,
                pair(parameter.type, other.type)
            else { return false }
        }
        for (column, other) in zip(mine.columns ?? [], theirs.columns ?? []) {
            guard column.name == other.name, column.typeModifier == other.typeModifier,
                column.sqlType == other.sqlType, pair(column.type, other.type)
            else { return false }
            switch (column.source, other.source) {
            case (nil, nil): break
            case (let source?, let otherSource?):
                guard source.columnNumber == otherSource.columnNumber, source.schema == otherSource.schema,
                    source.table == otherSource.table, source.column == otherSource.column,
                    source.notNull == otherSource.notNull,
                    source.declaredTypeModifier == otherSource.declaredTypeModifier,
                    source.dimensions == otherSource.dimensions, pair(source.tableOID, otherSource.tableOID),
                    pair(source.declaredType, otherSource.declaredType)
                else { return false }
            default: return false
            }
        }
        // The types an answer mentions are listed by OID, an order a renaming need not keep: compared as sets, each
        // of mine through the renaming (every type was paired by name above).
        if let types = mine.types, let otherTypes = theirs.types {
            var renamed: Set<UInt32> = []
            for oid in types {
                guard let counterpart = oid < Self.firstNormalObjectID ? oid : forward[oid] else { return false }
                renamed.insert(counterpart)
            }
            guard renamed == Set(otherTypes) else { return false }
        }
        return true
    }
}

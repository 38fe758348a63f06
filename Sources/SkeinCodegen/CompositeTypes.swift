import SkeinCore

extension PackageAnalysis {
    /// The composite types whose attributes all have Swift types, in catalog order, registered with `analyzer`
    /// (so columns of those types map to them). A composite of composites is resolved once its parts are; a type
    /// with an attribute that has no Swift type gets no struct, and a warning says why.
    /// - Parameters:
    ///   - rows: `(schema, name)` of each composite type.
    ///   - descriptions: PostgreSQL's description of `(NULL::type).*` for each row.
    ///   - analyzer: maps the attributes' types; learns each composite type's Swift name.
    ///   - usedNames: Swift type names already taken; the composites' names are added.
    ///   - warnings: where a composite type without a struct is reported.
    static func composites(
        _ rows: [[String?]], _ descriptions: [Result<DescribedQuery, QueryDescriberError>],
        analyzer: inout QueryAnalyzer, usedNames: inout Set<String>, warnings: inout [String]
    ) -> [CompositeModel] {
        var pending: [(key: String, schema: String, name: String, described: DescribedQuery)] = []
        for (row, result) in zip(rows, descriptions) {
            guard case .success(let described) = result else { continue }
            let schema = row[0] ?? "", name = row[1] ?? ""
            pending.append(("\(schema).\(name)", schema, name, described))
        }
        var resolved: [String: CompositeModel] = [:]
        var problems: [String: [String]] = [:]
        // Each pass resolves the composites whose attributes are all known; one that nests another waits for it.
        var progress = true
        while progress {
            progress = false
            for item in pending where resolved[item.key] == nil {
                var fields: [AnalyzedQuery.Field] = []
                var missing: [String] = []
                for column in item.described.columns {
                    switch analyzer.field(column, types: item.described.types) {
                    case .success(var field):
                        field.nullable = true
                        fields.append(field)
                    case .failure(let unsupported): missing.append("attribute \(column.name): \(unsupported)")
                    }
                }
                guard missing.isEmpty, !fields.isEmpty else {
                    problems[item.key] = missing
                    continue
                }
                var swiftName = analyzer.options.typeName(schema: item.schema, name: item.name, singular: false)
                if usedNames.contains(swiftName) {
                    swiftName = QueryAnalyzer.typeName("\(item.schema)_\(item.name)")
                    while usedNames.contains(swiftName) { swiftName += "Type" }
                }
                usedNames.insert(swiftName)
                analyzer.composites[item.key] = swiftName
                resolved[item.key] = CompositeModel(
                    schema: item.schema, name: item.name, swiftName: swiftName, fields: uniqued(fields),
                    decodedTypes: item.described.recordDecodedTypes)
                progress = true
            }
        }
        for item in pending where resolved[item.key] == nil {
            let reasons = problems[item.key] ?? []
            warnings.append(
                "no struct for composite type \(item.key): "
                    + (reasons.isEmpty ? "it has no attributes" : reasons.joined(separator: "; ")))
        }
        return pending.compactMap { resolved[$0.key] }
    }
}

extension DescribedQuery {
    /// Per column, the OID a record's attribute is decoded as when it is a built-in type, `nil` otherwise: a record
    /// names each attribute's type, and a domain's is the domain's own OID, which the base type's decoder refuses.
    var recordDecodedTypes: [UInt32?] { columns.map { types[$0.type]?.isBuiltin == true ? $0.type : nil } }
}

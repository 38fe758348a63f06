import Foundation

/// The translator's side of Swift generation: what the generated types conform to and which modules their files
/// import, decided from a ``PackageAnalysis`` (itself the decisions about each query: ``QueryPlan``) before any text
/// is written; ``SwiftEmitter`` renders those decisions and decides nothing.
struct SwiftDecisions: Sendable {
    var options: CodegenConfiguration.SwiftOptions
    /// Models that cannot be `Codable` (a `ByteBuffer` or an override among their columns).
    var nonCodableModels: Set<String> = []
    /// Models and composite structs that cannot be `Hashable` (an override without it among their fields).
    var nonHashableModels: Set<String> = []

    init(options: CodegenConfiguration.SwiftOptions) {
        self.options = options
    }

    init(options: CodegenConfiguration.SwiftOptions, analysis: PackageAnalysis) {
        self.options = options
        // Composites first: a table's column may be one. A composite may hold another, in any order: repeat until
        // no composite loses a conformance.
        var changed = true
        while changed {
            changed = false
            for composite in analysis.composites {
                if !nonCodableModels.contains(composite.swiftName), !isCodable(composite.fields) {
                    nonCodableModels.insert(composite.swiftName)
                    changed = true
                }
                if !nonHashableModels.contains(composite.swiftName), !isHashable(composite.fields) {
                    nonHashableModels.insert(composite.swiftName)
                    changed = true
                }
            }
        }
        let tables = analysis.tables
        nonCodableModels.formUnion(tables.filter { !isCodable($0.columns) }.map(\.swiftName))
        nonHashableModels.formUnion(tables.filter { !isHashable($0.columns) }.map(\.swiftName))
    }

    /// A field's type without its array brackets and optionality: `[Mark]?` → `Mark`.
    static func baseType(_ field: AnalyzedQuery.Field) -> String {
        field.swiftType.base.description
    }

    /// Whether the fields' types are all ones the generator knows to be `Codable`.
    func isCodable(_ fields: [AnalyzedQuery.Field]) -> Bool {
        fields.allSatisfy { field in
            let base = Self.baseType(field)
            return provides("Codable", field) && base != "ByteBuffer" && !nonCodableModels.contains(base)
        }
    }

    /// Whether the fields' types are all `Hashable`: as ``provides(_:_:)`` says, less the models known not to be.
    func isHashable(_ fields: [AnalyzedQuery.Field]) -> Bool {
        fields.allSatisfy { provides("Hashable", $0) && !nonHashableModels.contains(Self.baseType($0)) }
    }

    /// Whether a field's type provides `conformance`: always for the types the generator maps, for an override
    /// only when its `conforms_to:` says so, never for an inline `AS "col: Type"`.
    func provides(_ conformance: String, _ field: AnalyzedQuery.Field) -> Bool {
        if field.typedInline { return false }
        let overrides = options.overrides.filter { $0.swiftType == field.swiftType }
        return overrides.isEmpty || overrides.allSatisfy { $0.conformsTo.contains(conformance) }
    }

    /// Whether a field's type is (or contains) one of the SkeinTypes runtime's.
    static func usesRuntime(_ fields: [AnalyzedQuery.Field]) -> Bool {
        fields.contains { $0.swiftType.names.contains(where: QueryAnalyzer.runtimeTypes.contains) }
    }

    /// Whether reading a field goes through the SkeinTypes runtime whatever its type (an array of a domain, read
    /// through `PostgresDomainArray`): the file imports SkeinTypes, not for its API.
    static func readsThroughRuntime(_ fields: [AnalyzedQuery.Field]) -> Bool {
        fields.contains(where: \.domainArray)
    }

    /// Whether a field's type is (or contains) one of Foundation's.
    static func usesFoundation(_ fields: [AnalyzedQuery.Field]) -> Bool {
        fields.contains { field in field.swiftType.names.contains { ["UUID", "Date", "Decimal"].contains($0) } }
    }

    /// The fields a query's public declarations show: parameters, and the row's own columns (a model or an
    /// embedded model is named, not spelled out).
    static func publicFields(_ plan: QueryPlan) -> [AnalyzedQuery.Field] {
        var fields = plan.analyzed.parameters
        switch plan.row {
        case .value(let field): fields.append(field)
        case .fields(let rowFields):
            for case .column(_, let field) in rowFields { fields.append(field) }
        case .none, .model: break
        }
        return fields
    }

    /// What Models.swift imports (and which imports its public API needs), and which models decode records.
    struct ModelsFile {
        /// The tables whose row type a query reads as a value (`SELECT u FROM users u`): their models decode
        /// PostgreSQL's record format too.
        var readAsValues: Set<String>
        var foundationInPublicAPI: Bool
        var postgresInPublicAPI: Bool
        var runtime: Bool
        var runtimeInPublicAPI: Bool
    }

    static func modelsFile(_ analysis: PackageAnalysis) -> ModelsFile {
        // The models' own API names PostgresNIO only through the enums' conformances and ByteBuffer columns (their
        // decoding initialisers are internal).
        let columns = analysis.tables.flatMap(\.columns) + analysis.composites.flatMap(\.fields)
        let readAsValues = Set(analysis.queries.flatMap(\.columns).map(baseType))
        let records = !analysis.composites.isEmpty || analysis.tables.contains { readAsValues.contains($0.swiftName) }
        return ModelsFile(
            readAsValues: readAsValues, foundationInPublicAPI: usesFoundation(columns),
            postgresInPublicAPI: !analysis.enums.isEmpty || records
                || columns.contains { $0.swiftType.names.contains("ByteBuffer") },
            runtime: usesRuntime(columns) || records || readsThroughRuntime(columns),
            runtimeInPublicAPI: usesRuntime(columns))
    }

    /// Whether binding the parameter can throw (then the call is written with `try`, else without: a `try` with
    /// nothing to throw is a warning). Overrides may throw while encoding; PostgresNIO's own types do not, but
    /// Decimal's encoding is declared throwing, and so is SkeinTypes' multi-dimensional array's (its elements' may be).
    func bindingThrows(_ parameter: AnalyzedQuery.Field) -> Bool {
        let type = SwiftEmitter.bindingType(parameter)
        return options.overrides.contains { $0.swiftType == type } || type.names.contains("Decimal")
            || type.names.contains("PostgresMultiArray")
    }
}

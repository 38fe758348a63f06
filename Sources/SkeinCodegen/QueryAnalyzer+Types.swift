/// PostgreSQL's types to Swift's: the mapping tables and the lookup through domains, arrays and ranges.
extension QueryAnalyzer {
    /// Built-in types by `pg_type.typname`.
    public static let builtinTypes: [String: String] = [
        "bool": "Bool", "int2": "Int16", "int4": "Int32", "int8": "Int64", "float4": "Float", "float8": "Double",
        "numeric": "Decimal", "text": "String", "varchar": "String", "bpchar": "String", "name": "String",
        "uuid": "UUID", "timestamptz": "Date", "timestamp": "Date", "date": "Date", "bytea": "ByteBuffer",
        "json": "String", "jsonb": "String", "char": "UInt8",
        // The SkeinTypes runtime's codecs (PostgresNIO has none): generated files that use one import SkeinTypes.
        "interval": "PostgresInterval", "inet": "PostgresINET", "cidr": "PostgresINET",
        "macaddr": "PostgresMACAddress", "macaddr8": "PostgresMACAddress8", "money": "PostgresMoney",
        "bit": "PostgresBitString", "varbit": "PostgresBitString", "pg_lsn": "PostgresLSN", "xml": "PostgresXML",
        "oid": "PostgresOID", "regproc": "PostgresOID", "regprocedure": "PostgresOID", "regoper": "PostgresOID",
        "regoperator": "PostgresOID", "regclass": "PostgresOID", "regtype": "PostgresOID",
        "regconfig": "PostgresOID", "regdictionary": "PostgresOID", "regnamespace": "PostgresOID",
        "regrole": "PostgresOID", "regcollation": "PostgresOID", "void": "PostgresVoid",
        "time": "PostgresTime", "timetz": "PostgresTimeTZ", "jsonpath": "PostgresJSONPath",
        "point": "PostgresPoint", "lseg": "PostgresLineSegment", "box": "PostgresBox", "path": "PostgresPath",
        "polygon": "PostgresPolygon", "line": "PostgresLine", "circle": "PostgresCircle",
        "int4range": "PostgresInt4Range", "int8range": "PostgresInt8Range", "numrange": "PostgresNumRange",
        "tsrange": "PostgresTimestampRange", "tstzrange": "PostgresTimestampTZRange", "daterange": "PostgresDateRange",
        "int4multirange": "PostgresInt4Multirange", "int8multirange": "PostgresInt8Multirange",
        "nummultirange": "PostgresNumMultirange", "tsmultirange": "PostgresTimestampMultirange",
        "tstzmultirange": "PostgresTimestampTZMultirange", "datemultirange": "PostgresDateMultirange",
        "tsvector": "PostgresTSVector", "tsquery": "PostgresTSQuery",
    ]

    /// Types of PostgreSQL's contrib extensions, by name in whatever schema the extension was created in (their OIDs
    /// differ per database: values bind as text, cast in the SQL).
    public static let extensionTypes: [String: String] = [
        "citext": "String", "ltree": "PostgresLTree", "lquery": "PostgresLTree", "ltxtquery": "PostgresLTree",
        "hstore": "PostgresHStore",
    ]

    /// The subtypes a user-defined range may have (SkeinTypes' `PostgresCustomRangeBound`), by their name.
    public static let customRangeBounds: [String: String] = [
        "uuid": "UUID", "int2": "Int16", "int4": "Int32", "int8": "Int64", "float8": "Double", "text": "String",
        "varchar": "String", "timestamptz": "Date", "timestamp": "Date",
    ]

    /// The Swift types of the SkeinTypes runtime module.
    public static let runtimeTypes: Set<String> = [
        "PostgresInterval", "PostgresINET", "PostgresMACAddress", "PostgresMACAddress8", "PostgresMoney",
        "PostgresBitString",
        "PostgresLSN", "PostgresXML", "PostgresOID", "PostgresVoid", "PostgresTime", "PostgresTimeTZ",
        "PostgresJSONPath", "PostgresPoint", "PostgresLineSegment", "PostgresBox", "PostgresPath", "PostgresPolygon",
        "PostgresLine", "PostgresCircle", "PostgresInt4Range", "PostgresInt8Range", "PostgresNumRange",
        "PostgresTimestampRange", "PostgresTimestampTZRange", "PostgresDateRange", "PostgresInt4Multirange",
        "PostgresInt8Multirange", "PostgresNumMultirange", "PostgresTimestampMultirange",
        "PostgresTimestampTZMultirange", "PostgresDateMultirange", "PostgresTSVector", "PostgresTSQuery",
        "PostgresLTree", "PostgresHStore", "PostgresCustomRange", "PostgresMultiArray",
    ]

    /// The built-in base types a domain array's elements may have (each maps to its Swift type in ``builtinTypes``):
    /// PostgreSQL's binary array names the domain (an OID of the database's own), so SkeinTypes reads the elements
    /// as the Swift type's own PostgreSQL type (`Int32.psqlType`, int4), which must be in the base type's format.
    /// (`date` is not: `Date` reads `timestamptz`; nor `jsonb`, whose binary form starts with a version byte.)
    static let domainArrayBases: Set<String> = [
        "bool", "int2", "int4", "int8", "float4", "float8", "numeric", "text", "varchar", "bpchar", "name", "json",
        "uuid", "timestamptz", "timestamp", "bytea",
    ]

    /// The base types of ``domainArrayBases`` as PostgreSQL spells them, for messages.
    static let domainArrayBaseList =
        "boolean, smallint, integer, bigint, real, double precision, numeric, text, varchar, char(n), name, json, uuid, timestamp, timestamptz and bytea"

    /// Whether a value of type `oid` is an array of a domain, and if so whether the generated `swift` reads it.
    enum DomainArrayReading: Equatable {
        case none
        /// Through SkeinTypes (`PostgresDomainArray`, `PostgresMultiArray`), which read the domain as `swift`'s type.
        case readable
        case unreadable(UnsupportedType.DomainArray)
    }

    /// Whether `oid` is an array whose elements are of a domain (through domains of domains) that SkeinTypes reads
    /// as the element of `swift` (`[Int32]`, `PostgresMultiArray<Int32>`). An element type an override chose is the
    /// override's to read (``DomainArrayReading/none``).
    func domainArray(_ oid: UInt32, _ swift: SwiftType, in types: [UInt32: PostgresTypeInfo]) -> DomainArrayReading {
        guard let element = types[oid]?.element.flatMap({ types[$0] }), element.kind == .domain else { return .none }
        var base = element
        while base.kind == .domain, let next = base.domainBase.flatMap({ types[$0] }) { base = next }
        let elementSwift: SwiftType? =
            switch swift {
            case .array(let inner): inner
            case .generic("PostgresMultiArray", let arguments): arguments.first
            default: nil
            }
        guard case .named(let name) = elementSwift else { return .none }
        if base.kind == .enumeration {
            let generated = options.typeName(schema: base.schema, name: base.typeName, singular: false)
            return name == generated ? .readable : .none
        }
        guard base.isBuiltin, base.kind == .base, Self.builtinTypes[base.typeName] == name else { return .none }
        return Self.domainArrayBases.contains(base.typeName)
            ? .readable : .unreadable(UnsupportedType.DomainArray(domain: element.sqlName, base: base.sqlName))
    }

    /// The Swift type of an array declared with several dimensions: SkeinTypes' `PostgresMultiArray` of its
    /// element's type, for a built-in element type PostgresNIO reads and writes in arrays (its OID is the same in
    /// every database, and the binary array names it), a domain over one whose values SkeinTypes reads as it
    /// (``domainArray(_:_:in:)``), a generated enum (bound as `text[]` and cast in the SQL, read from whatever enum
    /// the server names, as `[Mood]` is), or a composite type's struct (read only).
    func multidimensionalType(_ oid: UInt32, in types: [UInt32: PostgresTypeInfo]) -> SwiftType? {
        guard let array = types[oid], let elementOID = array.element, let element = types[elementOID],
            case .success(let swift) = swiftType(elementOID, in: types),
            case .named(let name) = swift, name != "PostgresVoid"
        else { return nil }
        let builtin = element.isBuiltin && [.base, .range, .multirange].contains(element.kind)
        let generatedEnum =
            element.kind == .enumeration
            && name == options.typeName(schema: element.schema, name: element.typeName, singular: false)
        // A composite type's struct (or a table's model) reads PostgreSQL's record format whatever OID the array
        // names; it is never bound (a parameter of a composite type is refused before this).
        let composite = element.kind == .composite
        guard
            builtin || generatedEnum || composite
                || domainArray(oid, .generic("PostgresMultiArray", [swift]), in: types) == .readable
        else { return nil }
        return .generic("PostgresMultiArray", [swift])
    }

    /// The Swift type for a PostgreSQL type, or why there is none.
    public func swiftType(_ oid: UInt32, in types: [UInt32: PostgresTypeInfo]) -> Result<SwiftType, UnsupportedType> {
        guard let type = types[oid] else { return .failure(UnsupportedType(postgresType: "oid \(oid)")) }
        for override in options.overrides {
            guard let databaseType = override.databaseType else { continue }
            // sqlc 1.29+ spells built-in types `pg_catalog.json`; 1.25 and PostgreSQL's own names plain `json`.
            if databaseType == type.typeName || databaseType == type.sqlName || databaseType == type.name
                || databaseType == "\(type.schema).\(type.typeName)"
            {
                return .success(override.swiftType)
            }
        }
        switch type.kind {
        case .enumeration:
            return .success(.named(options.typeName(schema: type.schema, name: type.typeName, singular: false)))
        case .composite:
            guard let swift = composites["\(type.schema).\(type.typeName)"] else {
                return .failure(UnsupportedType(postgresType: type.sqlName))
            }
            return .success(.named(swift))
        case .domain:
            guard let base = type.domainBase else { return .failure(UnsupportedType(postgresType: type.sqlName)) }
            return swiftType(base, in: types)
        case .base where type.element != nil:
            guard let element = type.element else { return .failure(UnsupportedType(postgresType: type.sqlName)) }
            guard types[element].map({ $0.kind != .range || $0.isBuiltin }) ?? true else {
                // An array of a user-defined range: its array type's OID differs per database too.
                return .failure(UnsupportedType(postgresType: type.sqlName))
            }
            return swiftType(element, in: types).map { .array($0) }
        case .range where !type.isBuiltin:
            // A user-defined range (`CREATE TYPE uuidrange AS RANGE (subtype = uuid)`) of a subtype SkeinTypes reads.
            guard let subtype = type.rangeSubtype.flatMap({ types[$0] }), subtype.isBuiltin,
                let bound = Self.customRangeBounds[subtype.typeName]
            else { return .failure(UnsupportedType(postgresType: type.sqlName)) }
            return .success(.generic("PostgresCustomRange", [.named(bound)]))
        case .base where type.isBuiltin, .pseudo where type.typeName == "void", .range where type.isBuiltin,
            .multirange where type.isBuiltin:
            if let mapped = Self.builtinTypes[type.typeName] { return .success(.named(mapped)) }
            return .failure(UnsupportedType(postgresType: type.sqlName))
        default:
            if type.kind == .base, let mapped = Self.extensionTypes[type.typeName] { return .success(.named(mapped)) }
            return .failure(UnsupportedType(postgresType: type.sqlName))
        }
    }
}

/// A PostgreSQL type as the catalog (`pg_type`) describes it, read by ``QueryDescriber``.
///
/// Types refer to other types by OID (an array to its element, a domain to its base type, a composite type to its
/// attributes' types); ``DescribedQuery/types`` holds every type a query mentions, transitively, so each reference
/// can be looked up there.
///
/// ```swift
/// let column = described.columns[0]
/// if let type = described.types[column.type], type.kind == .enumeration {
///     type.name  // "public.mood"
///     type.enumLabels  // ["sad", "ok", "happy"]
/// }
/// ```
public struct PostgresTypeInfo: Sendable, Hashable, Codable {
    /// `pg_type.typtype`: what sort of type this is.
    public enum Kind: String, Sendable, Hashable, CaseIterable, Codable {
        /// A base type (`b`), arrays included: see ``PostgresTypeInfo/element``.
        case base = "b"
        /// A composite type (`c`): a table's row type or `CREATE TYPE … AS (…)`.
        case composite = "c"
        /// A domain (`d`): see ``PostgresTypeInfo/domainBase``.
        case domain = "d"
        /// An enum (`e`): see ``PostgresTypeInfo/enumLabels``.
        case enumeration = "e"
        /// A pseudo-type (`p`), such as `record` or `void`.
        case pseudo = "p"
        /// A range type (`r`): see ``PostgresTypeInfo/rangeSubtype``.
        case range = "r"
        /// A multirange type (`m`): see ``PostgresTypeInfo/rangeSubtype``.
        case multirange = "m"
    }

    /// One attribute of a composite type, in declaration order.
    public struct Attribute: Sendable, Hashable, Codable {
        /// The attribute's name.
        public var name: String
        /// The OID of its type.
        public var type: UInt32
        /// Its type modifier (`atttypmod`), -1 when none.
        public var typeModifier: Int32
        /// `format_type(type, typeModifier)`, e.g. `numeric(10,2)`.
        public var sqlType: String
        /// Whether the attribute is `NOT NULL` (only table row types can say so).
        public var notNull: Bool

        /// Creates an attribute.
        public init(name: String, type: UInt32, typeModifier: Int32, sqlType: String, notNull: Bool) {
            self.name = name
            self.type = type
            self.typeModifier = typeModifier
            self.sqlType = sqlType
            self.notNull = notNull
        }
    }

    /// The type's OID. Only built-in OIDs (``isBuiltin``) are the same in every database.
    public var oid: UInt32
    /// The schema (`pg_namespace.nspname`), e.g. `pg_catalog` or `public`.
    public var schema: String
    /// `pg_type.typname`, unqualified: `int4`, `_int4` (an array), `mood`.
    public var typeName: String
    /// `format_type(oid, NULL)`: the name as SQL writes it, qualified only when the schema is not on the search
    /// path and quoted where needed: `integer`, `integer[]`, `mood`, `"Weird Name"`.
    public var sqlName: String
    /// What sort of type this is.
    public var kind: Kind
    /// `pg_type.typcategory`, one letter: `A` array, `B` boolean, `D` date/time, `E` enum, `N` numeric, `S` string,
    /// `U` user-defined, … (a domain has its base type's category).
    public var category: String
    /// For an array type, its element type.
    public var element: UInt32?
    /// For an enum, its labels in sort order (`enumsortorder`); empty otherwise.
    public var enumLabels: [String]
    /// For a domain, its base type.
    public var domainBase: UInt32?
    /// For a domain, the base type's modifier (`typtypmod`, -1 when none), e.g. `varchar(40)`'s.
    public var domainBaseTypeModifier: Int32?
    /// Whether the type is a domain declared `NOT NULL`.
    public var domainNotNull: Bool
    /// For a range, its subtype; for a multirange, its range type.
    public var rangeSubtype: UInt32?
    /// For a composite type, its attributes in order; empty otherwise.
    public var attributes: [Attribute]

    /// The schema-qualified name, without the schema when it is `pg_catalog`: `int4`, `public.mood`.
    public var name: String {
        schema == "pg_catalog" ? typeName : schema + "." + typeName
    }

    /// Whether the type was created by `initdb` (OID below 16384, `FirstNormalObjectId`): only such OIDs may be
    /// embedded in generated code; any other type must be bound through a cast to its name.
    public var isBuiltin: Bool { oid < 16384 }

    /// Whether this is an array type (it has an ``element``).
    public var isArray: Bool { element != nil }

    /// Creates a type description.
    public init(
        oid: UInt32, schema: String, typeName: String, sqlName: String, kind: Kind, category: String,
        element: UInt32? = nil, enumLabels: [String] = [], domainBase: UInt32? = nil,
        domainBaseTypeModifier: Int32? = nil, domainNotNull: Bool = false, rangeSubtype: UInt32? = nil,
        attributes: [Attribute] = []
    ) {
        self.oid = oid
        self.schema = schema
        self.typeName = typeName
        self.sqlName = sqlName
        self.kind = kind
        self.category = category
        self.element = element
        self.enumLabels = enumLabels
        self.domainBase = domainBase
        self.domainBaseTypeModifier = domainBaseTypeModifier
        self.domainNotNull = domainNotNull
        self.rangeSubtype = rangeSubtype
        self.attributes = attributes
    }
}

/// What PostgreSQL says about one statement without running it: its parameters' types and its result columns,
/// with every type resolved from the catalog.
///
/// These are facts as PostgreSQL reports them. In particular a column of the nullable side of an outer join still
/// names its table and ``SourceColumn/notNull`` says what the table says; deciding nullability from the parse
/// tree is the analyser's job.
public struct DescribedQuery: Sendable, Hashable {
    /// One `$n` parameter.
    public struct Parameter: Sendable, Hashable, Codable {
        /// The parameter's number: 1 for `$1`.
        public var number: Int
        /// The OID of the type PostgreSQL inferred for it.
        public var type: UInt32
        /// `format_type(type, -1)`: the name to cast to, e.g. `integer[]`, `mood`.
        public var sqlType: String

        /// Creates a parameter.
        public init(number: Int, type: UInt32, sqlType: String) {
            self.number = number
            self.type = type
            self.sqlType = sqlType
        }
    }

    /// One result column.
    public struct Column: Sendable, Hashable, Codable {
        /// The column's name as PostgreSQL reports it (`count` for `count(*)`, `?column?` for an unnamed expression).
        public var name: String
        /// The OID of its type (`PQftype`); for a domain, PostgreSQL reports the domain's base type.
        public var type: UInt32
        /// Its type modifier (`PQfmod`), -1 when none: `numeric(10,2)` and `varchar(40)` have one.
        public var typeModifier: Int32
        /// `format_type(type, typeModifier)`, e.g. `numeric(10,2)`, `character varying(40)`, `mood[]`.
        public var sqlType: String
        /// The table column the value comes from (`PQftable`/`PQftablecol`), when it is a plain column reference.
        public var source: SourceColumn?

        /// Creates a column.
        public init(name: String, type: UInt32, typeModifier: Int32, sqlType: String, source: SourceColumn?) {
            self.name = name
            self.type = type
            self.typeModifier = typeModifier
            self.sqlType = sqlType
            self.source = source
        }
    }

    /// A table column a result column comes from.
    public struct SourceColumn: Sendable, Hashable, Codable {
        /// The table's OID (`PQftable`).
        public var tableOID: UInt32
        /// The column's attribute number (`PQftablecol`, from 1).
        public var columnNumber: Int
        /// The table's schema.
        public var schema: String
        /// The table's name.
        public var table: String
        /// The column's name in the table (the result column may be renamed with `AS`).
        public var column: String
        /// `pg_attribute.attnotnull`: whether the table column is `NOT NULL` (a `NOT NULL` domain does not set
        /// it: see ``PostgresTypeInfo/domainNotNull`` of ``declaredType``).
        public var notNull: Bool
        /// The column's declared type (`atttypid`). PostgreSQL reports a domain column's result type as the
        /// domain's base type; this is the domain itself.
        public var declaredType: UInt32
        /// The declared type's modifier (`atttypmod`), -1 when none.
        public var declaredTypeModifier: Int32
        /// The dimensions the column was declared with (`pg_attribute.attndims`: 2 for `int[][]`, 0 for a
        /// non-array); `nil` in a describe cache written before Skein read it. PostgreSQL does not enforce it, and
        /// PostgresNIO decodes arrays of one dimension only.
        public var dimensions: Int?

        /// Creates a source column.
        public init(
            tableOID: UInt32, columnNumber: Int, schema: String, table: String, column: String, notNull: Bool,
            declaredType: UInt32, declaredTypeModifier: Int32, dimensions: Int? = nil
        ) {
            self.tableOID = tableOID
            self.columnNumber = columnNumber
            self.schema = schema
            self.table = table
            self.column = column
            self.notNull = notNull
            self.declaredType = declaredType
            self.declaredTypeModifier = declaredTypeModifier
            self.dimensions = dimensions
        }
    }

    /// The SQL text that was described.
    public var sql: String
    /// The parameters, `$1` first.
    public var parameters: [Parameter]
    /// The result columns; empty for a statement that returns no rows (`INSERT` without `RETURNING`).
    public var columns: [Column]
    /// Every type the parameters, columns and source columns' declared types mention, and every type those
    /// mention (array elements, domain bases, composite attributes, range subtypes), by OID.
    public var types: [UInt32: PostgresTypeInfo]

    /// Creates a description.
    public init(sql: String, parameters: [Parameter], columns: [Column], types: [UInt32: PostgresTypeInfo]) {
        self.sql = sql
        self.parameters = parameters
        self.columns = columns
        self.types = types
    }
}

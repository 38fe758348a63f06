import Foundation
import Logging
import PostgresNIO
import SkeinCodegen
import SkeinTestSupport
import SkeinTypes
import Testing

/// The code `skein generate` wrote for `Fixture/` (in `Generated/`, compiled into this target), run against a real
/// PostgreSQL: values go in and come back out, NULLs included; enums, arrays, jsonb, uuid, timestamptz, numeric;
/// every query kind; a transaction that throws rolls back.
@Suite("Generated code round-trips values through PostgreSQL", .requiresPostgreSQL)
struct RoundTripTests {
    static let logger = Logger(label: "skein.tests.generated")

    /// A fresh database with the fixture's schema (the goose files' Up sections), and queries over a client.
    func withQueries(_ body: (Queries, FreshDatabase) async throws -> Void) async throws {
        try await TestDatabase.withFreshDatabase { database in
            let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixture")
            let schema = try SchemaSource.load(["schema"], base: fixture.path)
            try await CodeGenerator.apply(schema, on: try QueryDescriber(connectionString: database.url))
            try await body(Queries(client: database.client, logger: Self.logger), database)
        }
    }

    static func newUser(_ email: String, status: UserStatus = .active) -> CreateUser.Params {
        CreateUser.Params(
            email: email, displayName: nil, status: status, tags: [], settings: nil, balance: 0, externalId: nil)
    }

    @Test("insert and select: every column type, with and without NULLs")
    func roundTrip() async throws {
        try await withQueries { queries, _ in
            let external = UUID()
            let created = try await queries.createUser(
                CreateUser.Params(
                    email: "ada@example.com", displayName: "Ada", status: .inReview, tags: ["admin", "ops"],
                    settings: #"{"theme": "dark"}"#, balance: Decimal(string: "1234.56")!, externalId: external))
            #expect(created.email == "ada@example.com")
            #expect(created.displayName == "Ada")
            #expect(created.status == .inReview)
            #expect(created.tags == ["admin", "ops"])
            #expect(created.settings == #"{"theme": "dark"}"#)
            #expect(created.balance == Decimal(string: "1234.56")!)
            #expect(created.externalId == external)
            #expect(abs(created.createdAt.timeIntervalSinceNow) < 600)

            let fetched = try #require(try await queries.getUserByID(id: created.id))
            #expect(fetched == created)

            let bare = try await queries.createUser(Self.newUser("bob@example.com"))
            #expect(bare.displayName == nil && bare.settings == nil && bare.externalId == nil && bare.tags == [])
            #expect(try await queries.getUserByEmail(email: "bob@example.com")?.id == bare.id)
        }
    }

    @Test(":one with no row is nil; NULL aggregates are nil; count is not optional")
    func noRows() async throws {
        try await withQueries { queries, _ in
            #expect(try await queries.getUserByID(id: 424242) == nil)
            #expect(try await queries.countUsers() == 0)
            let top = try await queries.maxBalance()
            #expect(top == .some(nil))  // a row whose value is NULL
            let stats = try #require(try await queries.agentStats(ownerId: 1))
            #expect(stats.agents == 0 && stats.totalRuns == nil && stats.meanScore == nil && stats.names == nil)
            #expect(stats.mostRuns == 0)
        }
    }

    @Test(":many, its stream, enum parameters and sqlc.slice arrays")
    func many() async throws {
        try await withQueries { queries, _ in
            var ids: [Int64] = []
            for (index, status) in [UserStatus.active, .suspended, .active].enumerated() {
                ids.append(
                    try await queries.createUser(Self.newUser("u\(index)@x.org", status: status)).id)
            }
            #expect(try await queries.listUsersByStatus(status: .active).map(\.id) == [ids[0], ids[2]])
            var streamed: [String] = []
            for try await row in try await queries.listUsersByStatusStream(status: .suspended) {
                streamed.append(row.email)
            }
            #expect(streamed == ["u1@x.org"])
            #expect(try await queries.listUsersByIDs(ids: [ids[2], ids[0], 999]) == [ids[0], ids[2]])
        }
    }

    @Test(":exec, :execrows, :execresult, and the batch kinds")
    func commands() async throws {
        try await withQueries { queries, _ in
            let first = try await queries.createUser(Self.newUser("a@x.org")).id
            let second = try await queries.createUser(Self.newUser("b@x.org")).id
            #expect(try await queries.renameUser(RenameUser.Params(displayName: "A", id: first)) == 1)
            #expect(try await queries.renameUser(RenameUser.Params(displayName: nil, id: 999)) == 0)
            // An optional parameter defaults to nil (it compiles only so).
            #expect(try await queries.renameUser(RenameUser.Params(id: 999)) == 0)
            #expect(try await queries.suspendUsers(status: .active) == "UPDATE 2")
            try await queries.touchUsers([
                TouchUsers.Params(id: first, displayName: "first"), TouchUsers.Params(id: second, displayName: nil),
            ])
            #expect(try await queries.getUserByID(id: first)?.displayName == "first")
            #expect(try await queries.getUserByID(id: second)?.displayName == nil)
            let batch = try await queries.getUsersBatch([second, 777, first])
            #expect(batch.map { $0?.id } == [second, nil, first])
            #expect(try await queries.statusesOf([first, 777]) == [[.suspended], []])
            try await queries.deleteUser(id: first)
            #expect(try await queries.getUserByID(id: first) == nil)
        }
    }

    @Test("comments: the one under the annotation documents, the ones after the statement are dropped; LIMIT/OFFSET")
    func commentsAndPaging() async throws {
        try await withQueries { queries, _ in
            var ids: [Int64] = []
            for index in 0..<5 {
                ids.append(try await queries.createUser(Self.newUser("p\(index)@x.org")).id)
            }
            #expect(
                try await queries.bumpBalance(BumpBalance.Params(amount: Decimal(string: "2.50")!, id: ids[0])) == 1)
            #expect(try await queries.getUserByID(id: ids[0])?.balance == Decimal(string: "2.50")!)
            let page = try await queries.pageUsers(PageUsers.Params(status: .active, limit: 2, offset: 1))
            #expect(page.map(\.id) == [ids[1], ids[2]])
        }
    }

    @Test(":copyfrom copies rows with COPY, escaping text and keeping NULLs and microseconds")
    func copyFrom() async throws {
        try await withQueries { queries, _ in
            let when = Date(timeIntervalSince1970: 1_800_000_000.123456)
            let external = UUID()
            let copied = try await queries.copyUsers([
                CopyUsers.Params(
                    email: "tab\t@x.org", displayName: "line\nbreak \\ back", status: .suspended,
                    balance: Decimal(string: "-0.5")!, externalId: external, createdAt: when),
                CopyUsers.Params(
                    email: "plain@x.org", displayName: nil, status: .active, balance: 7, externalId: nil,
                    createdAt: when),
            ])
            #expect(copied == 2)
            let rows = try await queries.listUsersByStatus(status: .suspended)
            #expect(rows.map(\.email) == ["tab\t@x.org"])
            let user = try #require(try await queries.getUserByID(id: rows[0].id))
            #expect(user.displayName == "line\nbreak \\ back")
            #expect(user.balance == Decimal(string: "-0.5")!)
            #expect(user.externalId == external)
            #expect(abs(user.createdAt.timeIntervalSince(when)) < 0.000_002)
            #expect(try await queries.getUserByEmail(email: "plain@x.org")?.status == .active)
        }
    }

    @Test("left joins give optionals, sqlc.embed gives models, arrays of enums and bytea round-trip")
    func joinsAndEmbeds() async throws {
        try await withQueries { queries, _ in
            let owner = try await queries.createUser(Self.newUser("owner@x.org"))
            let agent = try await queries.createAgent(
                CreateAgent.Params(
                    ownerId: owner.id, name: "scout", score: 0.5, avatar: ByteBuffer(bytes: [0, 1, 255]),
                    flags: [true, false], statuses: [.active, .inReview]))
            #expect(agent.label == "SCOUT")
            let orphan = try await queries.createAgent(
                CreateAgent.Params(
                    ownerId: nil, name: "lonely", score: nil, avatar: nil, flags: nil, statuses: nil))
            let listed = try await queries.agentsWithOwners()
            #expect(listed.map(\.name) == ["lonely", "scout"])
            #expect(listed[0].ownerEmail == nil && listed[0].ownerStatus == nil)
            #expect(listed[1].ownerEmail == "owner@x.org" && listed[1].ownerStatus == .active)
            let both = try #require(try await queries.agentWithOwner(id: agent.id))
            #expect(both.agent.name == "scout" && both.agent.statuses == [.active, .inReview])
            #expect(both.agent.avatar == ByteBuffer(bytes: [0, 1, 255]) && both.agent.flags == [true, false])
            #expect(both.user == owner)
            let fetched = try #require(try await queries.getAgent(id: orphan.id))
            #expect(fetched.ownerId == nil && fetched.avatar == nil && fetched.statuses == nil)
        }
    }

    @Test("inside a transaction on one connection; a throwing body rolls back")
    func transactions() async throws {
        struct Abort: Error {}
        try await withQueries { queries, _ in
            let kept = try await queries.withTransaction { transaction in
                try await transaction.createUser(Self.newUser("kept@x.org")).id
            }
            await #expect(throws: Abort.self) {
                try await queries.withTransaction { transaction in
                    _ = try await transaction.createUser(Self.newUser("lost@x.org"))
                    #expect(try await transaction.countUsers() == 2)
                    throw Abort()
                }
            }
            #expect(try await queries.countUsers() == 1)
            #expect(try await queries.getUserByID(id: kept)?.email == "kept@x.org")
            // A bad value is PostgreSQL's error, and the connection stays usable.
            await #expect(throws: PSQLError.self) {
                _ = try await queries.createUser(Self.newUser("not-an-email"))
            }
            #expect(try await queries.countUsers() == 1)
        }
    }

    @Test("columns named like Swift keywords (self, default, let), made-up names (?column?), computed columns after *")
    func awkwardNames() async throws {
        try await withQueries { queries, _ in
            let entry = try await queries.createEntry(
                CreateEntry.Params(id: 1, self: "me", default: "d", let: nil, type: "t"))
            #expect(entry == Entry(id: 1, self: "me", default: "d", let: nil, type: "t"))
            #expect(entry.`self` == "me" && entry.`default` == "d" && entry.`let` == nil)
            let row = try #require(try await queries.entryBySelf(self: "me"))
            #expect(row.`default` == "d" && row.column == 2 && row.column2 == "xd")
            // min and max of NULLs are NULL while count(*) OVER () is not: each column keeps its own.
            let spread = try await queries.entrySpread()
            #expect(spread.count == 1 && spread[0].top == nil && spread[0].bottom == nil && spread[0].total == 1)
            // Two parameters both named after id: id and id2.
            #expect(try await queries.entriesBetween(EntriesBetween.Params(id: 0, id2: 5)) == [1])
        }
    }

    @Test("emit_protocol: Queries conforms to Querier, so callers can take a mock")
    func querier() async throws {
        struct Fake: Querier {
            func createDevice(_ params: CreateDevice.Params) async throws -> Device { throw CancellationError() }
            func getDevice(id: Int64) async throws -> Device? { nil }
            func devicesIn(network: PostgresINET) async throws -> [DevicesIn.Row] { [] }
            func devicesInStream(network: PostgresINET) async throws -> AsyncThrowingMapSequence<
                PostgresRowSequence, DevicesIn.Row
            > {
                throw CancellationError()
            }
            func lockDevice(id: Int64) async throws -> PostgresVoid? { nil }
            func createCatalogNode(_ params: CreateCatalogNode.Params) async throws -> CatalogNode {
                throw CancellationError()
            }
            func catalogNodesUnder(root: PostgresLTree) async throws -> [CatalogNodesUnder.Row] { [] }
            func catalogNodesUnderStream(root: PostgresLTree) async throws -> AsyncThrowingMapSequence<
                PostgresRowSequence, CatalogNodesUnder.Row
            > {
                throw CancellationError()
            }
            func catalogNodeByName(name: String) async throws -> CatalogNode? { nil }
            func catalogNodesMatching(pattern: PostgresLTree) async throws -> [CatalogNodesMatching.Row] { [] }
            func catalogNodesMatchingStream(pattern: PostgresLTree) async throws -> AsyncThrowingMapSequence<
                PostgresRowSequence, CatalogNodesMatching.Row
            > {
                throw CancellationError()
            }
            func catalogNodeAttribute(_ params: CatalogNodeAttribute.Params) async throws -> String?? { nil }
            func createShipment(_ params: CreateShipment.Params) async throws -> Shipment { throw CancellationError() }
            func addShipmentLeg(_ params: AddShipmentLeg.Params) async throws -> [ShipmentLeg]? { nil }
            func shipmentDestination(id: Int64) async throws -> PostalAddress? { nil }
            func shipmentAsValue(id: Int64) async throws -> Shipment? { nil }
            func allShipments() async throws -> [Shipment]?? { nil }
            func createGrid(_ params: CreateGrid.Params) async throws -> Grid { throw CancellationError() }
            func setGridCells(_ params: SetGridCells.Params) async throws -> Int { 0 }
            func gridCells(id: Int64) async throws -> GridCells.Row? { nil }
            func copyTagSets(_ rows: [CopyTagSets.Params]) async throws -> Int { 0 }
            func createRoutePlan(_ params: CreateRoutePlan.Params) async throws -> RoutePlan {
                throw CancellationError()
            }
            func routePlanZips(id: Int64) async throws -> RoutePlanZips.Row? { nil }
            func routePlanLabels(id: Int64) async throws -> [String]?? { nil }
            func routePlansThrough(zips: [Int32]) async throws -> [RoutePlansThrough.Row] { [] }
            func routePlansThroughStream(zips: [Int32]) async throws -> AsyncThrowingMapSequence<
                PostgresRowSequence, RoutePlansThrough.Row
            > {
                throw CancellationError()
            }
            func routePlanAsValue(id: Int64) async throws -> RoutePlan? { nil }
            func routePlanWaypoints(id: Int64) async throws -> PostgresMultiArray<PostalAddress>?? { nil }
            func tagSets() async throws -> [TagSet] { [] }
            func tagSetsStream() async throws -> AsyncThrowingMapSequence<PostgresRowSequence, TagSet> {
                throw CancellationError()
            }
            func createSpan(_ params: CreateSpan.Params) async throws -> Span { throw CancellationError() }
            func spansContaining(id: UUID) async throws -> [Int64] { [] }
            func spansContainingStream(id: UUID) async throws -> AsyncThrowingMapSequence<PostgresRowSequence, Int64> {
                throw CancellationError()
            }
            func spansOverlapping(scores: PostgresCustomRange<Double>) async throws -> [SpansOverlapping.Row] { [] }
            func spansOverlappingStream(
                scores: PostgresCustomRange<Double>
            ) async throws -> AsyncThrowingMapSequence<PostgresRowSequence, SpansOverlapping.Row> {
                throw CancellationError()
            }
            func createAgent(_ params: CreateAgent.Params) async throws -> CreateAgent.Row { throw CancellationError() }
            func agentsWithOwners() async throws -> [AgentsWithOwners.Row] { [] }
            func agentsWithOwnersStream() async throws -> AsyncThrowingMapSequence<
                PostgresRowSequence, AgentsWithOwners.Row
            > {
                throw CancellationError()
            }
            func agentWithOwner(id: UUID) async throws -> AgentWithOwner.Row? { nil }
            func agentStats(ownerId: Int64) async throws -> AgentStats.Row? { nil }
            func getAgent(id: UUID) async throws -> Agent? { nil }
            func getUserByID(id: Int64) async throws -> User? {
                User(
                    id: id, email: "mock@x.org", displayName: nil, status: .active, tags: [], settings: nil,
                    balance: 0, externalId: nil, createdAt: Date(timeIntervalSince1970: 0))
            }
            func getUserByEmail(email: String) async throws -> GetUserByEmail.Row? { nil }
            func createUser(_ params: CreateUser.Params) async throws -> User { throw CancellationError() }
            func listUsersByStatus(status: UserStatus) async throws -> [ListUsersByStatus.Row] { [] }
            func listUsersByStatusStream(status: UserStatus) async throws -> AsyncThrowingMapSequence<
                PostgresRowSequence, ListUsersByStatus.Row
            > {
                throw CancellationError()
            }
            func listUsersByIDs(ids: [Int64]) async throws -> [Int64] { [] }
            func listUsersByIDsStream(ids: [Int64]) async throws -> AsyncThrowingMapSequence<PostgresRowSequence, Int64>
            {
                throw CancellationError()
            }
            func countUsers() async throws -> Int64? { 0 }
            func maxBalance() async throws -> Decimal?? { nil }
            func renameUser(_ params: RenameUser.Params) async throws -> Int { 0 }
            func suspendUsers(status: UserStatus) async throws -> String { "" }
            func deleteUser(id: Int64) async throws {}
            func copyUsers(_ rows: [CopyUsers.Params]) async throws -> Int { 0 }
            func touchUsers(_ items: [TouchUsers.Params]) async throws {}
            func getUsersBatch(_ items: [Int64]) async throws -> [GetUsersBatch.Row?] { [] }
            func statusesOf(_ items: [Int64]) async throws -> [[UserStatus]] { [] }
            func bumpBalance(_ params: BumpBalance.Params) async throws -> Int { 0 }
            func createEntry(_ params: CreateEntry.Params) async throws -> Entry { throw CancellationError() }
            func entryBySelf(self value: String) async throws -> EntryBySelf.Row? { nil }
            func entriesBetween(_ params: EntriesBetween.Params) async throws -> [Int32] { [] }
            func entriesBetweenStream(
                _ params: EntriesBetween.Params
            ) async throws -> AsyncThrowingMapSequence<PostgresRowSequence, Int32> {
                throw CancellationError()
            }
            func entrySpread() async throws -> [EntrySpread.Row] { [] }
            func entrySpreadStream() async throws -> AsyncThrowingMapSequence<PostgresRowSequence, EntrySpread.Row> {
                throw CancellationError()
            }
            func pageUsers(_ params: PageUsers.Params) async throws -> [PageUsers.Row] { [] }
            func pageUsersStream(
                _ params: PageUsers.Params
            ) async throws -> AsyncThrowingMapSequence<PostgresRowSequence, PageUsers.Row> {
                throw CancellationError()
            }
        }
        func greeting(_ querier: some Querier) async throws -> String {
            try await querier.getUserByID(id: 7)?.email ?? "nobody"
        }
        #expect(try await greeting(Fake()) == "mock@x.org")
    }
}

/// The generated code for types PostgresNIO has no codec for (SkeinTypes), through PostgreSQL and back.
@Suite("Generated code with SkeinTypes round-trips", .requiresPostgreSQL)
struct RuntimeTypesRoundTripTests {
    @Test("inet, cidr, macaddr, macaddr8, interval, money, varbit, pg_lsn, xml, \"char\", regclass, void; NULLs")
    func devices() async throws {
        try await RoundTripTests().withQueries { queries, _ in
            let full = CreateDevice.Params(
                address: PostgresINET(address: [192, 168, 1, 20], prefixLength: 24),
                network: PostgresINET(address: [192, 168, 1, 0], prefixLength: 24, isCIDR: true),
                mac: PostgresMACAddress(bytes: [8, 0, 0x2b, 1, 2, 3]),
                mac8: PostgresMACAddress8(bytes: [8, 0, 0x2b, 1, 2, 3, 4, 5]),
                heartbeat: PostgresInterval(months: 1, days: 2, microseconds: 3_000_004),
                price: PostgresMoney(minorUnits: 1999), flags: PostgresBitString("1011"),
                wal: PostgresLSN(0x16_B374_D848), config: PostgresXML("<on/>"), kind: UInt8(ascii: "z"),
                ownerTable: PostgresOID(1259), opens: PostgresTime(hour: 7, minute: 30),
                maintenance: PostgresTimestampTZRange(
                    lower: Date(timeIntervalSince1970: 1_700_000_000), upper: nil),
                slots: PostgresInt4Range(lower: 1, upper: 10), spot: PostgresPoint(x: 52.5, y: 13.4))
            let created = try await queries.createDevice(full)
            #expect(created.address == full.address && created.network == full.network)
            #expect(created.mac == full.mac && created.mac8 == full.mac8)
            #expect(created.heartbeat == full.heartbeat && created.price == full.price && created.flags == full.flags)
            #expect(created.wal == full.wal && created.config == full.config && created.kind == full.kind)
            #expect(created.ownerTable == full.ownerTable && created.opens == full.opens)
            #expect(created.maintenance == full.maintenance && created.slots == full.slots && created.spot == full.spot)
            #expect(try await queries.getDevice(id: created.id) == created)

            let bare = try await queries.createDevice(
                CreateDevice.Params(
                    address: PostgresINET(address: [10, 0, 0, 1]), heartbeat: PostgresInterval(.seconds(30)),
                    kind: UInt8(ascii: "a")))
            #expect(bare.network == nil && bare.mac == nil && bare.price == nil && bare.ownerTable == nil)
            #expect(try await queries.devicesIn(network: full.network!).map(\.id) == [created.id])
            #expect(try await queries.lockDevice(id: created.id) == PostgresVoid())
        }
    }

    @Test(
        "user-defined ranges (uuid, float8 subtypes): bound untyped, decoded from the database's own OID; NULL, empty")
    func customRanges() async throws {
        try await RoundTripTests().withQueries { queries, _ in
            let first = UUID(uuidString: "00000000-0000-0000-0000-000000000001")!
            let last = UUID(uuidString: "00000000-0000-0000-0000-0000000000ff")!
            let inside = UUID(uuidString: "00000000-0000-0000-0000-000000000010")!
            let span = try await queries.createSpan(
                CreateSpan.Params(
                    ids: PostgresCustomRange(lower: first, upper: last, upperInclusive: true),
                    scores: PostgresCustomRange(lower: 0.5, upper: nil)))
            #expect(span.ids == PostgresCustomRange(lower: first, upper: last, upperInclusive: true))
            #expect(span.scores == PostgresCustomRange(lower: 0.5, upper: nil))
            let bare = try await queries.createSpan(CreateSpan.Params(ids: .empty))
            #expect(bare.ids.isEmpty && bare.scores == nil)
            #expect(try await queries.spansContaining(id: inside) == [span.id])
            #expect(
                try await queries.spansOverlapping(scores: PostgresCustomRange(lower: 1, upper: 2)).map(\.id)
                    == [span.id])
        }
    }

    @Test("multi-dimensional arrays (int[][], text[][][], timestamptz[][], numeric[][], enum[][]) and numeric[]")
    func multidimensionalArrays() async throws {
        try await RoundTripTests().withQueries { queries, database in
            let cells = try PostgresMultiArray<Int32>(rows: [[1, 2, 3], [4, 5, 6]])
            let labels = try PostgresMultiArray<String>(
                lengths: [2, 1, 2], elements: ["a", "b, \"c\"", "{d}", "NULL"])
            let stamp = Date(timeIntervalSince1970: 1_700_000_000.123456)
            let stamps = try PostgresMultiArray<Date>(rows: [[stamp], [stamp.addingTimeInterval(1)]])
            let prices: [Decimal] = [Decimal(string: "19.99")!, Decimal(string: "-0.001")!, 1_000_000]
            let ratios = try PostgresMultiArray<Decimal>(rows: [
                [Decimal(string: "1.5")!, 2], [0, Decimal(string: "0.125")!],
            ])
            let statuses = try PostgresMultiArray<UserStatus>(rows: [[.active, .inReview], [.suspended, .active]])
            let grid = try await queries.createGrid(
                CreateGrid.Params(
                    cells: cells, labels: labels, stamps: stamps, prices: prices, ratios: ratios, statuses: statuses))
            #expect(grid.prices == prices && grid.ratios == ratios && grid.statuses == statuses)
            #expect(grid.cells == cells && grid.cells[1, 2] == 6 && grid.cells.rows == [[1, 2, 3], [4, 5, 6]])
            #expect(grid.labels == labels && grid.labels?.lengths == [2, 1, 2] && grid.labels?[1, 0, 1] == "NULL")
            #expect(
                grid.stamps?.rows.map { $0.map(\.timeIntervalSince1970) }
                    == stamps.rows.map { $0.map(\.timeIntervalSince1970) })
            // PostgreSQL's own reading of what was written: two dimensions, and its text form.
            let written = try await database.client.query(
                "SELECT array_dims(cells), cells::text, array_dims(labels) FROM grids WHERE id = \(grid.id)")
            for try await (dims, text, labelDims) in written.decode((String, String, String).self) {
                #expect(dims == "[1:2][1:3]" && text == "{{1,2,3},{4,5,6}}" && labelDims == "[1:2][1:1][1:2]")
            }
            let bare = try await queries.createGrid(CreateGrid.Params(cells: PostgresMultiArray([])))
            #expect(
                bare.cells.elements.isEmpty && bare.cells.lengths.isEmpty && bare.labels == nil && bare.prices == nil)
            // A column's declared dimensions are not enforced: one dimension and other lower bounds read too.
            #expect(
                try await queries.setGridCells(SetGridCells.Params(cells: PostgresMultiArray([7, 8]), id: bare.id)) == 1
            )
            let row = try #require(try await queries.gridCells(id: bare.id))
            #expect(row.cells.elements == [7, 8] && row.cells.lengths == [2] && row.dimensions == 1)
            try await database.client.query(
                "UPDATE grids SET cells = '[0:1][5:5]={{9},{10}}' WHERE id = \(bare.id)")
            let shifted = try #require(try await queries.gridCells(id: bare.id)).cells
            #expect(shifted.lowerBounds == [0, 5] && shifted.rows == [[9], [10]])
            // A NULL element has no Swift value: decoding says so rather than inventing one.
            try await database.client.query("UPDATE grids SET cells = '{{1,NULL}}' WHERE id = \(bare.id)")
            await #expect(throws: (any Error).self) { _ = try await queries.gridCells(id: bare.id) }
            // Ragged rows are refused before they reach the server.
            #expect(throws: PostgresMultiArray<Int32>.ShapeError.self) {
                try PostgresMultiArray<Int32>(rows: [[1], [2, 3]])
            }
        }
    }

    @Test(":copyfrom of one-dimensional arrays (text, enums, bytea, numeric, timestamptz) and bit strings")
    func copyArrays() async throws {
        try await RoundTripTests().withQueries { queries, _ in
            let awkward = [
                "plain", "", "NULL", "a,b", "{braces}", "quote\"d", "back\\slash", "tab\there", "line\nbreak", "ünï ✓",
            ]
            let stamp = Date(timeIntervalSince1970: 1_700_000_000.654321)
            let rows = [
                CopyTagSets.Params(
                    names: awkward, statuses: [.active, .inReview],
                    blobs: [ByteBuffer(bytes: [0, 0x5c, 0xff]), ByteBuffer()],
                    amounts: [Decimal(string: "12.50")!, -3], seen: [stamp], flags: PostgresBitString("1011")!),
                CopyTagSets.Params(names: [], statuses: [], blobs: nil, amounts: nil, seen: nil, flags: nil),
            ]
            #expect(try await queries.copyTagSets(rows) == 2)
            let read = try await queries.tagSets()
            #expect(read.map(\.names) == [awkward, []])
            #expect(read[0].statuses == [.active, .inReview] && read[1].statuses == [])
            #expect(read[0].blobs == [ByteBuffer(bytes: [0, 0x5c, 0xff]), ByteBuffer()] && read[1].blobs == nil)
            #expect(read[0].amounts == [Decimal(string: "12.50")!, -3] && read[0].seen?.count == 1)
            #expect(read[0].seen?.first?.timeIntervalSince1970 == stamp.timeIntervalSince1970)
            #expect(read[0].flags == PostgresBitString("1011")! && read[1].flags == nil)
        }
    }

    @Test("ltree, lquery, hstore and citext (extension types): bound with casts, decoded, NULLs; citext ignores case")
    func catalogNodes() async throws {
        try await RoundTripTests().withQueries { queries, _ in
            let root = try await queries.createCatalogNode(
                CreateCatalogNode.Params(
                    path: "top", name: "Top", attributes: ["owner": "ada", "note": nil, "quote\"": "a\\b"],
                    aliases: ["root", "top.alias"]))
            #expect(root.path == "top" && root.name == "Top" && root.aliases == ["root", "top.alias"])
            #expect(root.attributes == ["owner": "ada", "note": nil, "quote\"": "a\\b"])
            let leaf = try await queries.createCatalogNode(
                CreateCatalogNode.Params(path: "top.science.astronomy", name: "Astronomy", aliases: []))
            #expect(leaf.attributes == nil && leaf.aliases == [])
            _ = try await queries.createCatalogNode(CreateCatalogNode.Params(path: "other", name: "Other", aliases: []))

            #expect(try await queries.catalogNodesUnder(root: "top").map(\.id) == [root.id, leaf.id])
            #expect(try await queries.catalogNodeByName(name: "ASTRONOMY") == leaf, "citext compares without case")
            #expect(try await queries.catalogNodesMatching(pattern: "*.science.*").map(\.path) == [leaf.path])
            #expect(
                try await queries.catalogNodeAttribute(CatalogNodeAttribute.Params(key: "owner", id: root.id)) == "ada")
            #expect(
                try await queries.catalogNodeAttribute(CatalogNodeAttribute.Params(key: "note", id: root.id))
                    == .some(nil))
        }
    }

    @Test("composite types: a struct per type, nested, in arrays and as a table's column; NULL attributes are nil")
    func shipments() async throws {
        try await RoundTripTests().withQueries { queries, _ in
            let shipment = try await queries.createShipment(
                CreateShipment.Params(street: "1 Main St", city: nil, zip: 12345))
            #expect(shipment.destination == PostalAddress(street: "1 Main St", city: nil, zip: 12345))
            #expect(shipment.legs == [])
            let legs = try await queries.addShipmentLeg(
                AddShipmentLeg.Params(street: "9 Dock Rd", zip: 54321, days: 3, id: shipment.id))
            #expect(
                legs == [
                    ShipmentLeg(
                        origin: shipment.destination,
                        destination: PostalAddress(street: "9 Dock Rd", city: nil, zip: 54321),
                        days: 3)
                ])
            #expect(try await queries.shipmentDestination(id: shipment.id) == shipment.destination)
            #expect(try await queries.shipmentDestination(id: -1) == nil)
        }
    }

    @Test("a table's row type as a value (SELECT s FROM shipments s) is the table's model, alone and in arrays")
    func tableRowTypes() async throws {
        try await RoundTripTests().withQueries { queries, _ in
            let first = try await queries.createShipment(
                CreateShipment.Params(street: "1 Main St", city: "Springfield", zip: 12345))
            let second = try await queries.createShipment(CreateShipment.Params(street: "2 Side St", city: nil, zip: 7))
            let legs = try await queries.addShipmentLeg(
                AddShipmentLeg.Params(street: "9 Dock Rd", zip: 54321, days: 3, id: second.id))
            let updated = Shipment(id: second.id, destination: second.destination, legs: try #require(legs))
            #expect(try await queries.shipmentAsValue(id: first.id) == .some(first))
            #expect(try await queries.shipmentAsValue(id: second.id) == .some(updated))
            #expect(try await queries.shipmentAsValue(id: -1) == nil)
            let all = try #require(try await queries.allShipments())
            #expect(all?.filter { [first.id, second.id].contains($0.id) } == [first, updated])
        }
    }
}

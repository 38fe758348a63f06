import PostgresNIO
import SkeinTestSupport
import SkeinTypes
import Testing

/// Arrays of domains (`Fixture/schema/00009_route_plans.sql`). PostgreSQL's binary array names its element type, and
/// for `zip_code[]` that is the domain, an OID of the database's own: PostgresNIO's `[Int32]` refuses it, so the
/// generated code reads such a column through SkeinTypes (`PostgresDomainArray`, `PostgresMultiArray`) as its base
/// type's Swift type, and binds it with a cast to the domain's array type.
extension RoundTripTests {
    @Test(
        "arrays of domains: [Int32] and [String] for one dimension, PostgresMultiArray for two, a domain of a domain, parameters, a row read as a value; composites in two dimensions"
    )
    func domainArrays() async throws {
        try await withQueries { queries, database in
            let stops = try PostgresMultiArray<Int32>(rows: [[10115, 20095], [80331, 50667]])
            let plan = try await queries.createRoutePlan(
                CreateRoutePlan.Params(zips: [10115, 80331], labels: ["north", "south"], stops: stops))
            #expect(plan.zips == [10115, 80331] && plan.labels == ["north", "south"] && plan.stops == stops)
            let bare = try await queries.createRoutePlan(CreateRoutePlan.Params(zips: [], labels: nil, stops: nil))
            #expect(bare.zips.isEmpty && bare.labels == nil && bare.stops == nil)

            let row = try #require(try await queries.routePlanZips(id: plan.id))
            #expect(row.zips == [10115, 80331] && row.labels == ["north", "south"])
            #expect(try await queries.routePlanLabels(id: bare.id) == .some(nil))
            #expect(try await queries.routePlansThrough(zips: [80331, 1]).map(\.id) == [plan.id])
            #expect(try await queries.routePlanAsValue(id: plan.id) == plan)

            // Composite values in two dimensions, written by SQL (a composite is never bound), read back.
            try await database.client.query(
                "UPDATE route_plans SET waypoints = ARRAY[[ROW('Main St 1', 'Berlin', 10115)::postal_address, NULL], [ROW(NULL, 'Hamburg', 20095)::postal_address, ROW(NULL, NULL, NULL)::postal_address]] WHERE id = \(plan.id)"
            )
            // A NULL element has no Swift value (decoding says so); without it the grid reads back whole.
            await #expect(throws: (any Error).self) { _ = try await queries.routePlanWaypoints(id: plan.id) }
            try await database.client.query(
                "UPDATE route_plans SET waypoints[1][2] = ROW('Elbe 2', NULL, 1)::postal_address WHERE id = \(plan.id)")
            let waypoints = try #require(try await queries.routePlanWaypoints(id: plan.id) ?? nil)
            #expect(waypoints.lengths == [2, 2])
            #expect(waypoints[0, 0] == PostalAddress(street: "Main St 1", city: "Berlin", zip: 10115))
            #expect(waypoints[0, 1] == PostalAddress(street: "Elbe 2", city: nil, zip: 1))
            #expect(waypoints[1, 1] == PostalAddress(street: nil, city: nil, zip: nil))
            #expect(try await queries.routePlanAsValue(id: plan.id)?.waypoints == waypoints)

            // Why the generated code does not decode `[Int32]`: the array names the domain.
            let raw = try await database.client.query("SELECT zips FROM route_plans WHERE id = \(plan.id)")
            await #expect(throws: (any Error).self) {
                for try await zips in raw.decode([Int32].self) { _ = zips }
            }
            // The domains' checks hold on what is bound: PostgreSQL refuses a zip of 0 and an empty label.
            await #expect(throws: PSQLError.self) {
                _ = try await queries.createRoutePlan(CreateRoutePlan.Params(zips: [0], labels: nil, stops: nil))
            }
            await #expect(throws: PSQLError.self) {
                _ = try await queries.createRoutePlan(CreateRoutePlan.Params(zips: [1], labels: [""], stops: nil))
            }
            // Two dimensions in a column read as [Int32] are a decoding error, never a flattened array.
            try await database.client.query("UPDATE route_plans SET zips = '{{1},{2}}' WHERE id = \(bare.id)")
            await #expect(throws: (any Error).self) { _ = try await queries.routePlanZips(id: bare.id) }
        }
    }
}

import Foundation
import Logging
public import PostgresNIO
import SkeinCodegen
import SkeinTestSupport
import Testing

/// `interval` has no PostgresNIO type: the fixture's override names this one (PostgreSQL's binary layout).
public struct BillingPeriod: PostgresCodable, Sendable, Hashable {
    public var months: Int32
    public var days: Int32
    public var microseconds: Int64

    public init(months: Int32 = 0, days: Int32 = 0, microseconds: Int64 = 0) {
        self.months = months
        self.days = days
        self.microseconds = microseconds
    }

    public static var psqlType: PostgresDataType { .interval }
    public static var psqlFormat: PostgresFormat { .binary }

    public func encode<JSONEncoder: PostgresJSONEncoder>(
        into byteBuffer: inout ByteBuffer, context: PostgresEncodingContext<JSONEncoder>
    ) {
        byteBuffer.writeInteger(microseconds)
        byteBuffer.writeInteger(days)
        byteBuffer.writeInteger(months)
    }

    public init<JSONDecoder: PostgresJSONDecoder>(
        from buffer: inout ByteBuffer, type: PostgresDataType, format: PostgresFormat,
        context: PostgresDecodingContext<JSONDecoder>
    ) throws {
        guard format == .binary, let microseconds = buffer.readInteger(as: Int64.self),
            let days = buffer.readInteger(as: Int32.self), let months = buffer.readInteger(as: Int32.self)
        else { throw PostgresDecodingError.Code.failure }
        self.init(months: months, days: days, microseconds: microseconds)
    }
}

/// The column override for `invoices.details` (jsonb): PostgresNIO encodes `Codable` values as jsonb.
public struct InvoiceDetails: Codable, Sendable, Hashable, PostgresCodable {
    public var lines: [String]
    public var discount: Double?
}

/// The second fixture (sqlc.yaml's plugin form, public access, overrides, renames, a `billing` schema), compiled
/// here and run against PostgreSQL.
@Suite("Generated code from sqlc.yaml's plugin form: overrides, renames, another schema", .requiresPostgreSQL)
struct PluginFormTests {
    func withQueries(_ body: (Queries, FreshDatabase) async throws -> Void) async throws {
        try await TestDatabase.withFreshDatabase { database in
            let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixture")
            let schema = try SchemaSource.load(["schema/billing.sql"], base: fixture.path)
            try await CodeGenerator.apply(schema, on: try QueryDescriber(connectionString: database.url))
            try await body(Queries(client: database.client, logger: Logger(label: "skein.tests.plugin-form")), database)
        }
    }

    @Test("overridden types and renamed models round-trip; slices of enums of another schema bind")
    func overrides() async throws {
        try await withQueries { queries, _ in
            let period = BillingPeriod(months: 1, days: 2, microseconds: 3_000_000)
            let details = InvoiceDetails(lines: ["seat", "support"], discount: 0.1)
            let due = Date(timeIntervalSince1970: 1_800_000_000 - 1_800_000_000.truncatingRemainder(dividingBy: 86_400))
            let bill: Bill = try await queries.createInvoice(
                CreateInvoice.Params(
                    customer: "ACME", amount: 12_000, period: period, details: details, due: due, notes: "net 30"))
            #expect(bill.state == .draft)
            // conforms_to: [Hashable] on both overrides keeps Bill Hashable (it compiles only so).
            #expect(Set([bill, bill]).count == 1)
            #expect(bill.period == period)
            #expect(bill.details == details)
            #expect(bill.due == due)
            #expect(bill.notes == "net 30")
            let bare = try await queries.createInvoice(
                CreateInvoice.Params(
                    customer: "Initech", amount: 50, period: BillingPeriod(days: 30), details: nil, due: nil,
                    notes: nil))
            #expect(bare.details == nil && bare.due == nil && bare.notes == nil)
            #expect(try await queries.getInvoice(id: bill.id)?.customer == "ACME")

            #expect(try await queries.markInvoice(MarkInvoice.Params(state: .sent, id: bill.id)) == 1)
            #expect(try await queries.markInvoice(MarkInvoice.Params(state: .sent, id: bill.id)) == 0)
            let sent = try await queries.invoicesInStates(states: [.sent, .paid])
            #expect(sent.map(\.customer) == ["ACME"])
            #expect(sent.first?.state == BillState.sent)
            #expect(try await queries.invoicesInStates(states: []).isEmpty)
        }
    }

    @Test("LEFT JOIN aggregates: COALESCE is not optional, max and CASE without ELSE are; a batch in one go")
    func totals() async throws {
        try await withQueries { queries, _ in
            let first = try await queries.createInvoice(
                CreateInvoice.Params(
                    customer: "A", amount: 100, period: BillingPeriod(), details: nil, due: nil, notes: nil))
            let second = try await queries.createInvoice(
                CreateInvoice.Params(
                    customer: "B", amount: 200, period: BillingPeriod(), details: nil, due: nil, notes: nil))
            try await queries.recordPayments([
                RecordPayments.Params(invoiceId: first.id, amount: 60),
                RecordPayments.Params(invoiceId: first.id, amount: 40),
            ])
            let totals = try await queries.invoiceTotals()
            #expect(totals.map(\.id) == [first.id, second.id])
            #expect(totals.map(\.paidCents) == [100, 0])
            #expect(totals[0].lastPaidAt != nil && totals[1].lastPaidAt == nil)
            #expect(totals.allSatisfy { $0.label == nil })
        }
    }

    @Test(
        "an array of a domain over bigint is [Int64] in the public API; SkeinTypes, which reads it, is imported internally"
    )
    func domainArray() async throws {
        try await withQueries { queries, database in
            let bill = try await queries.createInvoice(
                CreateInvoice.Params(
                    customer: "A", amount: 100, period: BillingPeriod(), details: nil, due: nil, notes: nil))
            try await database.client.query(
                "INSERT INTO billing.credit_notes (invoice_id, lines) VALUES (\(bill.id), '{100,250}')")
            #expect(try await queries.creditNoteLines(invoiceId: bill.id) == [100, 250])
        }
    }
}

import Foundation
import SkeinCodegen
import Testing

/// The measurement behind `bench/describe.py`, not a test: it runs only when the script sets
/// `SKEIN_DESCRIBE_BENCH` (a JSON array of SQL statements) and `SKEIN_DESCRIBE_BENCH_URL` (the schema's database),
/// and prints one line of timings for the script to read.
@Suite("describe benchmark (bench/describe.py)")
struct DescribeBenchmark {
    static let environment = ProcessInfo.processInfo.environment

    @Test(
        "describes the benchmark's queries in batches and one by one",
        .enabled(if: environment["SKEIN_DESCRIBE_BENCH"] != nil && environment["SKEIN_DESCRIBE_BENCH_URL"] != nil)
    )
    func measure() async throws {
        let path = try #require(Self.environment["SKEIN_DESCRIBE_BENCH"])
        let url = try #require(Self.environment["SKEIN_DESCRIBE_BENCH_URL"])
        let statements = try JSONDecoder().decode([String].self, from: Data(contentsOf: URL(fileURLWithPath: path)))
        let clock = ContinuousClock()

        var describer: QueryDescriber?
        let connect = try clock.measure { describer = try QueryDescriber(connectionString: url) }
        let connected = try #require(describer)

        var results: [Result<DescribedQuery, QueryDescriberError>] = []
        let batched = try await clock.measure { results = try await connected.describe(statements) }
        let rejected = results.filter { (try? $0.get()) == nil }
        let oneByOne = await clock.measure {
            for statement in statements { _ = try? await connected.describe(statement) }
        }
        let roundTrips =
            (statements.count + QueryDescriber.pipelineDepth - 1) / QueryDescriber.pipelineDepth + 1
        let columns = results.reduce(0) { $0 + ((try? $1.get())?.columns.count ?? 0) }
        print(
            "describe-bench queries=\(statements.count) rejected=\(rejected.count) columns=\(columns)"
                + " connect=\(Self.seconds(connect)) batched=\(Self.seconds(batched))"
                + " round_trips=\(roundTrips) one_by_one=\(Self.seconds(oneByOne))"
        )
        for case .failure(let error) in results.prefix(5) {
            print("describe-bench rejected: \(error)")
        }
        #expect(rejected.isEmpty)
    }

    static func seconds(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        return String(format: "%.4f", Double(seconds) + Double(attoseconds) / 1e18)
    }
}

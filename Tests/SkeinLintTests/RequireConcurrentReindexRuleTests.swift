import SkeinCore
import SkeinLint
import Testing

@Suite("lint: require-concurrent-reindex")
struct RequireConcurrentReindexRuleTests {
    let name = "20240101120000_reindex.sql"

    @Test("REINDEX without CONCURRENTLY is reported at the statement")
    func reported() {
        let up = "REINDEX INDEX users_email_idx;\nSELECT 1; REINDEX TABLE public.users;"
        #expect(
            findings([name: migration(up: up)], only: "require-concurrent-reindex") == [
                "migrations/\(name):2:1 warning[require-concurrent-reindex]",
                "migrations/\(name):3:11 warning[require-concurrent-reindex]",
            ])
    }

    @Test("REINDEX CONCURRENTLY in a NO TRANSACTION file is fine")
    func notReported() {
        let text = "-- +goose NO TRANSACTION\n" + migration(up: "REINDEX INDEX CONCURRENTLY users_email_idx;")
        #expect(findings([name: text], only: "require-concurrent-reindex") == [])
        let options = "-- +goose NO TRANSACTION\n" + migration(up: "REINDEX (CONCURRENTLY) TABLE users;")
        #expect(findings([name: options], only: "require-concurrent-reindex") == [])
    }
}

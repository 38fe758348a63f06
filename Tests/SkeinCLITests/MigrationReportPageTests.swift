import Foundation
import Testing

@testable import SkeinCLI

/// The report's layout arithmetic, without a browser (CLIReportBrowserTests looks at the page in one).
@Suite("the report page's layout")
struct MigrationReportPageTests {
    typealias LabelColumn = MigrationReportPage.LabelColumn
    typealias SizeScale = MigrationReportPage.SizeScale

    @Test("a long file name wraps after its underscores into lines that fit, and nothing of it is lost")
    func wrapsLongNames() {
        let name =
            "20240115093000_add_customer_billing_address_columns_and_backfill_them_from_the_legacy_orders_table.sql"
        let lines = LabelColumn.wrap(name, limit: 56)
        #expect(
            lines == [
                "20240115093000_add_customer_billing_address_columns_and_",
                "backfill_them_from_the_legacy_orders_table.sql",
            ])
        #expect(lines.joined() == name)
        #expect(LabelColumn.wrap("00001_a.sql (up)", limit: 56) == ["00001_a.sql (up)"])
        // A run longer than a line is cut within it.
        #expect(LabelColumn.wrap("abcdefghij_k", limit: 4) == ["abcd", "efgh", "ij_k"])
        #expect(LabelColumn.wrap("", limit: 4) == [""])
    }

    @Test("the label column is as wide as the longest line, so the plot starts right of every name")
    func labelColumnWidth() {
        let short = LabelColumn(["00001_a.sql"])
        #expect(short.plotLeft == 120)
        let long = LabelColumn([String(repeating: "x", count: 200)])
        #expect(long.lines[0].count == 4 && long.lines[0].allSatisfy { $0.count <= LabelColumn.maximumCharacters })
        #expect(
            long.plotLeft == 2 * LabelColumn.margin + Double(LabelColumn.maximumCharacters) * LabelColumn.advance)
        #expect(long.plotLeft < MigrationReportPage.width / 2)
    }

    @Test(
        "the size axis starts at zero and ends at a round size above the largest, in distinct round steps",
        arguments: [
            (7_937_383, ["0", "2 MiB", "4 MiB", "6 MiB", "8 MiB"]),
            (8_396_800, ["0", "2 MiB", "4 MiB", "6 MiB", "8 MiB", "10 MiB"]),  // 8 MiB + 8 KiB
            (900, ["0", "200 bytes", "400 bytes", "600 bytes", "800 bytes", "1000 bytes"]),
            (3_221_225_472, ["0", "1 GiB", "2 GiB", "3 GiB"]),  // 3 GiB
            (0, ["0", "1 bytes"]),
        ] as [(Int64, [String])])
    func sizeScale(largest: Int64, labels: [String]) {
        let scale = SizeScale(largest: largest)
        #expect(scale.ticks.map(scale.label) == labels)
        #expect(scale.top >= largest && scale.ticks.first == 0)
    }

    @Test("a change of 8 KiB in 8 MiB moves a point by less than a pixel; the caption gives both sizes exactly")
    func tinyChange() throws {
        #expect(MigrationReportPage.exactBytes(8_396_135) == "8,396,135 bytes")
        #expect(MigrationReportPage.exactBytes(512) == "512 bytes")
        let scale = SizeScale(largest: 8_404_327)
        let plotHeight = 170.0
        #expect(Double(8_404_327 - 8_396_135) / Double(scale.top) * plotHeight < 1)
    }

    @Test("a table cell breaks a file name after each underscore, and escapes it")
    func breakable() {
        #expect(MigrationReportPage.breakable("0001_a<b>_c.sql") == "0001_<wbr/>a&lt;b&gt;_<wbr/>c.sql")
    }
}

import Foundation
import SkeinCore
import Testing

@Suite("goose's duration text (Go's Duration.String after truncateDuration)")
struct GoDurationFormatTests {
    @Test(
        "each unit, trailing zeros trimmed",
        arguments: [
            (Duration.nanoseconds(999), "999ns"), (.nanoseconds(843_210), "843.21µs"), (.nanoseconds(1_500), "1.5µs"),
            (.nanoseconds(1_000), "1µs"), (.nanoseconds(1_050), "1.05µs"), (.nanoseconds(12_345_678), "12.35ms"),
            (.milliseconds(2), "2ms"), (.nanoseconds(1_520_000), "1.52ms"), (.nanoseconds(1_999_999), "2ms"),
            (.milliseconds(1500), "1.5s"), (.seconds(62.349), "1m2.35s"), (.seconds(3600), "1h0m0s"),
            (.seconds(3725.5), "1h2m5.5s"),
        ])
    func units(duration: Duration, text: String) {
        #expect(GoDurationFormat.string(duration) == text)
    }

    @Test("the same text as `%.2f` trimmed, for every hundredth of a millisecond up to 100 ms")
    func sameAsPrintf() {
        for hundredths in 100..<10_000 {
            let duration = Duration.nanoseconds(hundredths * 10_000)
            var expected = String(format: "%.2f", Double(hundredths) / 100)
            while expected.hasSuffix("0") { expected.removeLast() }
            if expected.hasSuffix(".") { expected.removeLast() }
            #expect(GoDurationFormat.string(duration) == expected + "ms")
        }
    }
}

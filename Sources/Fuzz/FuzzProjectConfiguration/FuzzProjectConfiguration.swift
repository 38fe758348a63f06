import SkeinConfig

/// libFuzzer's entry point: the input is one `skein.yaml`, decoded as UTF-8 (docs/fuzzing.md).
///
/// Properties, each a trap when it fails: reading is deterministic; an error names the file it was given and a
/// line that is in it; durations read are finite and not negative; each lint rule's line is in the file.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    ConfigurationProperties.check(String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self))
    return 0
}

enum ConfigurationProperties {
    static let path = "skein.yaml"

    static func check(_ text: String) {
        let result = Result { () throws(ConfigurationError) in try ProjectConfiguration.parse(text, path: path) }
        let again = Result { () throws(ConfigurationError) in try ProjectConfiguration.parse(text, path: path) }
        precondition(result == again, "reading is not deterministic: \(result) then \(again)")
        // YAML's line breaks: LF, CR, CRLF, NEL, LS, PS (an upper bound: CRLF counts twice).
        let lineCount =
            text.unicodeScalars.count(where: { ["\n", "\r", "\u{85}", "\u{2028}", "\u{2029}"].contains($0) }) + 1
        switch result {
        case .failure(let error):
            precondition(error.path == path, "an error about \(error.path)")
            if let line = error.line {
                precondition((1...lineCount).contains(line), "error line \(line) of \(lineCount): \(error)")
            }
        case .success(let configuration):
            let run = configuration.run
            for seconds in [run.lockTimeout, run.statementTimeout, run.lockWait, run.warnAfter].compactMap({ $0 }) {
                precondition(seconds.isFinite && seconds >= 0, "a duration of \(seconds) s")
            }
            for (rule, line) in configuration.lint.ruleLines {
                precondition((1...lineCount).contains(line), "lint rule \(rule) on line \(line) of \(lineCount)")
            }
        }
    }
}

import Foundation
import SkeinCore
import SkeinSQL
import Synchronization

extension QueryFileParser {
    static let kindList = AnnotatedQuery.Command.allCases.map { ":" + $0.rawValue }.joined(separator: " ")

    /// sqlc's macros, as written (lowercase; matched without case) and as ASCII bytes, with the parameter kind
    /// each makes (`nil`: `sqlc.embed`), and the prefix they share.
    static let macros: [(text: String, bytes: [UInt8], kind: AnnotatedQuery.Parameter.Kind?)] = [
        ("sqlc.arg(", .argument), ("sqlc.narg(", .nullable), ("sqlc.slice(", .slice), ("sqlc.embed(", nil),
    ].map { ($0.0, Array($0.0.utf8), $0.1) }
    static let macroPrefix = Array("sqlc.".utf8)

    struct RewriteProblem: Error {
        var lineOffset: Int
        var message: String
    }

    /// Replaces sqlc's macros outside quotes and comments; keeps positional `$n` numbering consistent.
    static func rewrite(_ source: String) -> Result<(String, [AnnotatedQuery.Parameter], [String]), RewriteProblem> {
        rewriteTracing(source).map { ($0.sql, $0.parameters, $0.embeds) }
    }

    /// ``rewrite(_:)``, with where each scalar of the SQL came from in `source` (its scalar offset), so that
    /// PostgreSQL's position in the SQL maps back to the file's line and column.
    static func rewriteTracing(
        _ source: String
    ) -> Result<(sql: String, parameters: [AnnotatedQuery.Parameter], embeds: [String], origin: [Int]), RewriteProblem>
    {
        let scalars = Array(source.unicodeScalars)
        var output: [Unicode.Scalar] = []
        var origin: [Int] = []
        output.reserveCapacity(scalars.count + 16)
        origin.reserveCapacity(scalars.count + 16)
        /// Copies `range` of the source as it is.
        func copy(_ range: Range<Int>) {
            output.append(contentsOf: scalars[range])
            origin.append(contentsOf: range)
        }
        /// Writes `text` in place of what starts at `position`.
        func emit(_ text: String, at position: Int) {
            let before = output.count
            output.append(contentsOf: text.unicodeScalars)
            origin.append(contentsOf: repeatElement(position, count: output.count - before))
        }
        var parameters: [AnnotatedQuery.Parameter] = []
        var byName: [String: Int] = [:]
        var embeds: [String] = []
        var index = 0
        var line = 0
        // The highest `$n` the query wrote itself: named parameters are numbered after them.
        let positional = highestPlaceholder(scalars)
        var next = positional + 1
        var positionalSeen = Set<Int>()

        let isIdentifier = FastText.isIdentifier
        func number(for name: String, kind: AnnotatedQuery.Parameter.Kind) -> Result<Int, RewriteProblem> {
            if let existing = byName[name] {
                let known = parameters[existing].kind
                if known != kind, [known, kind].allSatisfy({ $0 == .argument || $0 == .nullable }) {
                    // As sqlc merges them: sqlc.narg's "nullable" outranks sqlc.arg's unspecified nullability
                    // (hatchet's queries use one name both ways).
                    parameters[existing].kind = .nullable
                    return .success(parameters[existing].number)
                }
                guard known == kind else {
                    return .failure(
                        RewriteProblem(
                            lineOffset: line,
                            message:
                                "parameter \(name) is used both as \(describe(parameters[existing].kind)) and as \(describe(kind))"
                        ))
                }
                return .success(parameters[existing].number)
            }
            parameters.append(AnnotatedQuery.Parameter(number: next, name: name, kind: kind))
            byName[name] = parameters.count - 1
            next += 1
            return .success(next - 1)
        }
        /// sqlc's macro starting at `position`: its text and parameter kind (`nil` kind: `sqlc.embed`).
        func macro(at position: Int) -> (String, AnnotatedQuery.Parameter.Kind?)? {
            guard scalars[position] == "s" || scalars[position] == "S",
                FastText.hasLowercasedPrefix(Self.macroPrefix, in: scalars, at: position),
                position == 0 || !isIdentifier(scalars[position - 1]) && scalars[position - 1] != "."
            else { return nil }
            return Self.macros.first { FastText.hasLowercasedPrefix($0.bytes, in: scalars, at: position) }
                .map { ($0.text, $0.kind) }
        }

        while index < scalars.count {
            let scalar = scalars[index]
            if scalar == "\n" { line += 1 }
            // Strings, quoted identifiers, comments and dollar quotes are copied as they are.
            if scalar == "'" || scalar == "\"" {
                let end = closing(scalars, from: index, quote: scalar)
                for position in index..<end where scalars[position] == "\n" { line += 1 }
                copy(index..<end)
                index = end
                continue
            }
            if scalar == "-", index + 1 < scalars.count, scalars[index + 1] == "-" {
                var end = index
                while end < scalars.count, scalars[end] != "\n" { end += 1 }
                copy(index..<end)
                index = end
                continue
            }
            if scalar == "/", index + 1 < scalars.count, scalars[index + 1] == "*" {
                let end = blockCommentEnd(scalars, from: index)
                for position in index..<end where scalars[position] == "\n" { line += 1 }
                copy(index..<end)
                index = end
                continue
            }
            if scalar == "$", let end = dollarQuoteEnd(scalars, from: index) {
                for position in index..<end where scalars[position] == "\n" { line += 1 }
                copy(index..<end)
                index = end
                continue
            }
            if scalar == "$", index + 1 < scalars.count, ("0"..."9").contains(scalars[index + 1]) {
                let (value, end) = placeholder(scalars, from: index)
                guard value <= parameterLimit else {
                    let digits = String(String.UnicodeScalarView(scalars[index + 1..<min(end, index + 13)]))
                    return .failure(
                        RewriteProblem(
                            lineOffset: line,
                            message:
                                "$\(digits)\(end - index > 13 ? "…" : "") is out of range: PostgreSQL numbers parameters $1 to $\(parameterLimit)"
                        ))
                }
                if !positionalSeen.contains(value) {
                    positionalSeen.insert(value)
                    parameters.append(AnnotatedQuery.Parameter(number: value, name: nil, kind: .argument))
                }
                copy(index..<end)
                index = end
                continue
            }
            // @name (not @@, not an operator such as @> or <@).
            if scalar == "@", index + 1 < scalars.count,
                scalars[index + 1].properties.isAlphabetic
                    || scalars[index + 1] == "_",
                index == 0
                    || (!isIdentifier(scalars[index - 1]) && scalars[index - 1] != "@"
                        && scalars[index - 1] != "<")
            {
                var end = index + 1
                while end < scalars.count, isIdentifier(scalars[end]) { end += 1 }
                let name = FastText.string(scalars[index + 1..<end])
                switch number(for: name, kind: .argument) {
                case .success(let value): emit("$\(value)", at: index)
                case .failure(let problem): return .failure(problem)
                }
                index = end
                continue
            }
            if let matched = macro(at: index) {
                let (text, kind) = matched
                let open = index + text.unicodeScalars.count
                guard let close = scalars[open...].firstIndex(of: ")") else {
                    return .failure(RewriteProblem(lineOffset: line, message: "\(text)…) is not closed"))
                }
                var argument = FastText.trimmed(
                    FastText.string(scalars[open..<close]), where: FastText.isHorizontalSpace)
                if argument.count >= 2, argument.first == "'" || argument.first == "\"",
                    argument.last == argument.first
                {
                    argument = String(argument.dropFirst().dropLast())
                }
                guard !argument.isEmpty, argument.unicodeScalars.allSatisfy({ isIdentifier($0) || $0 == "." })
                else {
                    return .failure(
                        RewriteProblem(
                            lineOffset: line, message: "\(text)\(argument)) needs a name: letters, digits and _"))
                }
                if kind == .slice, let (keep, negated) = inListStart(output),
                    let after = inListEnd(scalars, from: close + 1)
                {
                    // sqlc's documented `IN (sqlc.slice(ids))` (sqlc's MySQL form, expanded to a list there):
                    // PostgreSQL gets one array parameter, `= ANY($n)` (`NOT IN`: `<> ALL($n)`).
                    switch number(for: argument, kind: .slice) {
                    case .success(let value):
                        output.removeSubrange(keep...)
                        origin.removeSubrange(keep...)
                        emit(negated ? "<> ALL($\(value))" : "= ANY($\(value))", at: index)
                    case .failure(let problem): return .failure(problem)
                    }
                    index = after
                    continue
                }
                if let kind {
                    switch number(for: argument, kind: kind) {
                    case .success(let value): emit("$\(value)", at: index)
                    case .failure(let problem): return .failure(problem)
                    }
                } else {
                    embeds.append(argument)
                    emit("\(argument).*", at: index)
                }
                index = close + 1
                continue
            }
            output.append(scalar)
            origin.append(index)
            index += 1
        }
        // Comments after the statement (before the next `-- name:`) are not part of it.
        let written = output
        var codeEnd = 0
        var position = 0
        while position < written.count {
            let scalar = written[position]
            if scalar == "-", position + 1 < written.count, written[position + 1] == "-" {
                while position < written.count, written[position] != "\n" { position += 1 }
                continue
            }
            if scalar == "/", position + 1 < written.count, written[position + 1] == "*" {
                position = blockCommentEnd(written, from: position)
                continue
            }
            if scalar == "'" || scalar == "\"" {
                position = closing(written, from: position, quote: scalar)
                codeEnd = position
                continue
            }
            if scalar == "$", let end = dollarQuoteEnd(written, from: position) {
                position = end
                codeEnd = position
                continue
            }
            position += 1
            if !scalar.properties.isWhitespace { codeEnd = position }
        }
        // The statement without the white space around it and its closing `;`s.
        let leading = written[..<codeEnd].prefix { $0.properties.isWhitespace }.count
        var end = codeEnd
        func trimEnd() { while end > leading, written[end - 1].properties.isWhitespace { end -= 1 } }
        trimEnd()
        while end > leading, written[end - 1] == ";" {
            end -= 1
            trimEnd()
        }
        parameters.sort { $0.number < $1.number }
        return .success((FastText.string(written[leading..<end]), parameters, embeds, Array(origin[leading..<end])))
    }

    /// When `output` ends with `IN (` (or `NOT IN (`), white space allowed, after a word boundary: how many scalars
    /// to keep (up to the white space before `IN`/`NOT`, kept), and whether it was `NOT IN`.
    static func inListStart(_ scalars: [Unicode.Scalar]) -> (keep: Int, negated: Bool)? {
        var end = scalars.count
        func skipSpace() { while end > 0, scalars[end - 1].properties.isWhitespace { end -= 1 } }
        skipSpace()
        guard end > 0, scalars[end - 1] == "(" else { return nil }
        end -= 1
        skipSpace()
        func word(_ text: String) -> Bool {
            let letters = Array(text.unicodeScalars)
            guard end >= letters.count else { return false }
            let candidate = scalars[(end - letters.count)..<end]
            guard zip(candidate, letters).allSatisfy({ String($0).uppercased() == String($1) }) else { return false }
            let before = end - letters.count
            guard before == 0 || !(scalars[before - 1].properties.isAlphabetic || scalars[before - 1] == "_") else {
                return false
            }
            end = before
            return true
        }
        guard word("IN") else { return nil }
        let afterIn = end
        skipSpace()
        if word("NOT") { return (end, true) }
        return (afterIn, false)
    }

    /// The index after `)` when only white space lies between `from` and it.
    static func inListEnd(_ scalars: [Unicode.Scalar], from: Int) -> Int? {
        var index = from
        while index < scalars.count, scalars[index].properties.isWhitespace { index += 1 }
        return index < scalars.count && scalars[index] == ")" ? index + 1 : nil
    }

    static func describe(_ kind: AnnotatedQuery.Parameter.Kind) -> String {
        switch kind {
        case .argument: "sqlc.arg"
        case .nullable: "sqlc.narg"
        case .slice: "sqlc.slice"
        }
    }

    /// The end (exclusive) of a quoted string or identifier starting at `index` (`''` / `""` escape).
    /// The end of the (nested) `/* … */` comment starting at `index` (the text's end when it is not closed).
    static func blockCommentEnd(_ scalars: [Unicode.Scalar], from index: Int) -> Int {
        var end = index + 2
        var depth = 1
        while end < scalars.count, depth > 0 {
            if scalars[end] == "/", end + 1 < scalars.count, scalars[end + 1] == "*" {
                depth += 1
                end += 2
            } else if scalars[end] == "*", end + 1 < scalars.count, scalars[end + 1] == "/" {
                depth -= 1
                end += 2
            } else {
                end += 1
            }
        }
        return min(end, scalars.count)
    }

    static func closing(_ scalars: [Unicode.Scalar], from index: Int, quote: Unicode.Scalar) -> Int {
        var end = index + 1
        while end < scalars.count {
            if scalars[end] == quote {
                if end + 1 < scalars.count, scalars[end + 1] == quote {
                    end += 2
                    continue
                }
                return end + 1
            }
            if quote == "'", scalars[end] == "\\", index > 0, scalars[index - 1] == "E" || scalars[index - 1] == "e" {
                end += 2
                continue
            }
            end += 1
        }
        return scalars.count
    }

    /// The end (exclusive) of a dollar-quoted string starting at `index`, or `nil` when `$` starts none.
    static func dollarQuoteEnd(_ scalars: [Unicode.Scalar], from index: Int) -> Int? {
        var tagEnd = index + 1
        while tagEnd < scalars.count,
            scalars[tagEnd].properties.isAlphabetic || scalars[tagEnd] == "_"
                || (tagEnd > index + 1 && ("0"..."9").contains(scalars[tagEnd]))
        {
            tagEnd += 1
        }
        guard tagEnd < scalars.count, scalars[tagEnd] == "$" else { return nil }
        let tag = Array(scalars[index...tagEnd])
        var position = tagEnd + 1
        while position + tag.count <= scalars.count {
            if Array(scalars[position..<position + tag.count]) == tag { return position + tag.count }
            position += 1
        }
        return scalars.count
    }

    /// The most parameters a statement can have (the protocol's 16-bit count).
    static let parameterLimit = 65535

    /// The number of the `$n` at `index` and the index after its digits; a number above ``parameterLimit`` is
    /// `parameterLimit + 1` (so twenty digits do not overflow).
    static func placeholder(_ scalars: [Unicode.Scalar], from index: Int) -> (number: Int, end: Int) {
        var end = index + 1
        var value = 0
        while end < scalars.count, ("0"..."9").contains(scalars[end]) {
            value = min(value * 10 + Int(scalars[end].value - 48), parameterLimit + 1)
            end += 1
        }
        return (value, end)
    }

    /// The highest `$n` outside quotes and comments.
    static func highestPlaceholder(_ scalars: [Unicode.Scalar]) -> Int {
        var highest = 0
        var index = 0
        while index < scalars.count {
            let scalar = scalars[index]
            if scalar == "'" || scalar == "\"" {
                index = closing(scalars, from: index, quote: scalar)
            } else if scalar == "-", index + 1 < scalars.count, scalars[index + 1] == "-" {
                while index < scalars.count, scalars[index] != "\n" { index += 1 }
            } else if scalar == "/", index + 1 < scalars.count, scalars[index + 1] == "*" {
                // As `rewrite` skips them: a quote in a block comment opens no string.
                index = blockCommentEnd(scalars, from: index)
            } else if scalar == "$", let end = dollarQuoteEnd(scalars, from: index) {
                index = end
            } else if scalar == "$", index + 1 < scalars.count, ("0"..."9").contains(scalars[index + 1]) {
                let (value, end) = placeholder(scalars, from: index)
                highest = max(highest, value)
                index = end
            } else {
                index += 1
            }
        }
        return highest
    }
}

/// goose v3.18's `-- +goose ENVSUB ON` substitution (the mfridman/interpolate rules), reproduced:
/// `$NAME`, `${NAME}`, `${NAME:-default}` (unset or empty), `${NAME-default}` (unset),
/// `${NAME:offset[:length]}`, `${NAME?message}` (error when unset); `$$` and `\$` are a literal `$`,
/// `\\` stays `\\`, `$(` is left alone. A `$` followed by anything else that is not a letter (`$1`)
/// is an error, as in goose.
public enum EnvironmentInterpolation {
    public struct Failure: Error, Sendable, Hashable {
        public var message: String
    }

    /// Expands one line.
    public static func expand(_ text: String, environment: [String: String]) -> Result<String, Failure> {
        var parser = Parser(scalars: Array(text.unicodeScalars))
        do {
            let expression = try parser.parseExpression(stop: [])
            return .success(try expression.expand(environment))
        } catch let failure as Failure {
            return .failure(failure)
        } catch {
            return .failure(Failure(message: "\(error)"))
        }
    }

    fileprivate indirect enum Item {
        case text(String)
        case variable(String)
        case emptyDefault(String, [Item])
        case unsetDefault(String, [Item])
        case substring(String, offset: Int, length: Int?)
        case required(String, [Item])
    }

    private struct Parser {
        let scalars: [Unicode.Scalar]
        var position = 0

        init(scalars: [Unicode.Scalar]) { self.scalars = scalars }

        func peek() -> Unicode.Scalar? { position < scalars.count ? scalars[position] : nil }

        mutating func next() -> Unicode.Scalar? {
            guard position < scalars.count else { return nil }
            defer { position += 1 }
            return scalars[position]
        }

        func hasPrefix(_ prefix: String) -> Bool {
            let wanted = Array(prefix.unicodeScalars)
            guard position + wanted.count <= scalars.count else { return false }
            return Array(scalars[position..<position + wanted.count]) == wanted
        }

        mutating func scanUntil(_ stop: (Unicode.Scalar) -> Bool) -> String {
            var result = String.UnicodeScalarView()
            while position < scalars.count {
                let scalar = scalars[position]
                if scalar == "\u{FFFD}" || stop(scalar) { break }
                result.append(scalar)
                position += 1
            }
            return String(result)
        }

        static func describe(_ scalar: Unicode.Scalar?) -> String {
            scalar.map { String($0) } ?? "end of line"
        }

        mutating func scanIdentifier() throws -> String {
            guard let first = peek(), first.properties.isGoLetter else {
                throw Failure(
                    message: "expected a variable name to start with a letter, got \(Self.describe(peek()))")
            }
            _ = first
            return scanUntil { !($0.properties.isGoLetter || $0.properties.isGoNumber || $0 == "_") }
        }

        mutating func parseExpression(stop: Set<Unicode.Scalar>) throws -> [Item] {
            var items: [Item] = []
            while let scalar = peek(), !stop.contains(scalar) {
                if hasPrefix("\\\\") {
                    position += 2
                    items.append(.text("\\\\"))
                    continue
                } else if hasPrefix("\\$") || hasPrefix("$$") {
                    position += 2
                    items.append(.text("$"))
                    continue
                }
                if hasPrefix("$(") {
                    position += 2
                    items.append(.text("$("))
                    continue
                }
                if scalar == "$" && position < scalars.count - 1 {
                    items.append(try parseExpansion())
                    continue
                }
                let first = next()!
                let rest = scanUntil { $0 == "$" || $0 == "\\" || stop.contains($0) }
                items.append(.text(String(first) + rest))
            }
            return items
        }

        mutating func parseExpansion() throws -> Item {
            _ = next()  // "$"
            if peek() == "{" { return try parseBraceExpansion() }
            return .variable(try scanIdentifier())
        }

        mutating func parseBraceExpansion() throws -> Item {
            _ = next()  // "{"
            let identifier = try scanIdentifier()
            if peek() == "}" {
                _ = next()
                return .variable(identifier)
            }
            let item: Item
            switch next() {
            case ":":
                if peek() == "-" {
                    _ = next()
                    item = .emptyDefault(identifier, try parseExpression(stop: ["}"]))
                } else {
                    item = try parseSubstring(identifier)
                }
            case "-":
                item = .unsetDefault(identifier, try parseExpression(stop: ["}"]))
            case "?":
                item = .required(identifier, try parseExpression(stop: ["}"]))
            case let other:
                throw Failure(
                    message: "expected an operator (:- - : ?) after ${\(identifier), got \(Self.describe(other))")
            }
            guard next() == "}" else {
                throw Failure(message: "${\(identifier)… is not closed with }")
            }
            return item
        }

        mutating func parseSubstring(_ identifier: String) throws -> Item {
            let offsetText = scanUntil { $0 == ":" || $0 == "}" }
            guard let offset = Int(GoText.trimSpace(offsetText)) else {
                throw Failure(message: "unable to parse offset \"\(offsetText)\" in ${\(identifier):…}")
            }
            if peek() == "}" { return .substring(identifier, offset: offset, length: nil) }
            _ = next()
            let lengthText = scanUntil { $0 == "}" }
            guard let length = Int(GoText.trimSpace(lengthText)) else {
                throw Failure(message: "unable to parse length \"\(lengthText)\" in ${\(identifier):…}")
            }
            return .substring(identifier, offset: offset, length: length)
        }
    }
}

extension Array where Element == EnvironmentInterpolation.Item {
    fileprivate func expand(_ environment: [String: String]) throws -> String {
        var result = ""
        for item in self {
            switch item {
            case .text(let text): result += text
            case .variable(let name): result += environment[name] ?? ""
            case .emptyDefault(let name, let content):
                let value = environment[name] ?? ""
                result += value.isEmpty ? try content.expand(environment) : value
            case .unsetDefault(let name, let content):
                if let value = environment[name] { result += value } else { result += try content.expand(environment) }
            case .required(let name, let message):
                guard let value = environment[name] else {
                    var text = try message.expand(environment)
                    if text.isEmpty { text = "not set" }
                    throw EnvironmentInterpolation.Failure(message: "$\(name): \(text)")
                }
                result += value
            case .substring(let name, let offset, let length):
                let bytes = [UInt8]((environment[name] ?? "").utf8)
                var from = offset
                if from < 0 { from += bytes.count }
                from = Swift.min(Swift.max(from, 0), bytes.count)
                var to = bytes.count
                if let length {
                    if length >= 0 {
                        to = from + length
                    } else {
                        to = Swift.max(bytes.count + length, from)
                    }
                    to = Swift.min(to, bytes.count)
                }
                result += String(decoding: bytes[from..<to], as: UTF8.self)
            }
        }
        return result
    }
}

extension Unicode.Scalar.Properties {
    /// Go's `unicode.IsLetter`.
    fileprivate var isGoLetter: Bool {
        switch generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: true
        default: false
        }
    }

    /// Go's `unicode.IsNumber`.
    fileprivate var isGoNumber: Bool {
        switch generalCategory {
        case .decimalNumber, .letterNumber, .otherNumber: true
        default: false
        }
    }
}

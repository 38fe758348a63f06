import Foundation

/// A Swift type as the generated code spells it, as a value: the decisions about it (its element, whether it is
/// optional, which modules it needs) read the structure instead of re-parsing the text.
///
/// ```swift
/// let type = SwiftType.array(.named("UUID"))
/// type.description  // "[UUID]"
/// type.optional.description  // "[UUID]?"
/// type.base  // "UUID"
/// SwiftType(parsing: "PostgresCustomRange<UUID>?") == .optional(.generic("PostgresCustomRange", [.named("UUID")]))
/// ```
///
/// In JSON (`--dry-run --format json`, the describe cache) it is its Swift spelling; a string literal is read as
/// ``init(parsing:)`` reads it.
public indirect enum SwiftType: Sendable, Hashable, CustomStringConvertible, Codable, ExpressibleByStringLiteral {
    /// A type by name: `Int32`, `UUID`, a generated enum or model, an override's `MyModule.Money`.
    case named(String)
    /// A generic type and its arguments: `PostgresCustomRange<UUID>`, `PostgresMultiArray<Int32>`.
    case generic(String, [SwiftType])
    /// `[Element]`.
    case array(SwiftType)
    /// `Wrapped?`.
    case optional(SwiftType)

    /// Reads a type as a user writes it in an override (`swift_type:`, `AS "col: Type"`): `[T]`, `T?` and
    /// `Name<A, B>` are read into their parts; anything else (a dictionary, a tuple) is kept whole as a name.
    public init(parsing text: String) {
        let text = text.trimmingCharacters(in: .whitespaces)
        if text.count > 1, text.hasSuffix("?") {
            self = .optional(SwiftType(parsing: String(text.dropLast())))
        } else if text.hasPrefix("["), text.hasSuffix("]"),
            let inner = Self.topLevelParts(text.dropFirst().dropLast(), separator: ","), inner.count == 1,
            Self.topLevelParts(inner[0], separator: ":")?.count == 1
        {
            self = .array(SwiftType(parsing: String(inner[0])))
        } else if text.hasSuffix(">"), let open = text.firstIndex(of: "<"), open > text.startIndex,
            let arguments = Self.topLevelParts(
                text[text.index(after: open)..<text.index(before: text.endIndex)], separator: ","),
            !arguments.contains(where: { $0.trimmingCharacters(in: .whitespaces).isEmpty })
        {
            self = .generic(String(text[..<open]), arguments.map { SwiftType(parsing: String($0)) })
        } else {
            self = .named(text)
        }
    }

    public init(stringLiteral text: String) {
        self.init(parsing: text)
    }

    /// `text` split at `separator` outside brackets, or `nil` when its brackets do not balance.
    private static func topLevelParts(_ text: Substring, separator: Character) -> [Substring]? {
        var parts: [Substring] = []
        var depth = 0
        var start = text.startIndex
        for index in text.indices {
            switch text[index] {
            case "[", "<", "(": depth += 1
            case "]", ">", ")":
                depth -= 1
                if depth < 0 { return nil }
            case separator where depth == 0:
                parts.append(text[start..<index])
                start = text.index(after: index)
            default: break
            }
        }
        guard depth == 0 else { return nil }
        parts.append(text[start...])
        return parts
    }

    public var description: String {
        switch self {
        case .named(let name): name
        case .generic(let name, let arguments): "\(name)<\(arguments.map(\.description).joined(separator: ", "))>"
        case .array(let element): "[\(element)]"
        case .optional(let wrapped): "\(wrapped)?"
        }
    }

    /// The type made optional (unchanged when it already is).
    public var optional: SwiftType {
        if case .optional = self { return self }
        return .optional(self)
    }

    /// The type without its optionality: `[Mood]?` → `[Mood]`.
    public var unwrapped: SwiftType {
        if case .optional(let wrapped) = self { return wrapped }
        return self
    }

    /// The type inside any arrays and optionals: `[Mark]?` → `Mark`, `PostgresMultiArray<ByteBuffer>` →
    /// `ByteBuffer` (an array too), `PostgresCustomRange<UUID>` → `PostgresCustomRange<UUID>`.
    public var base: SwiftType {
        switch self {
        case .array(let inner), .optional(let inner): inner.base
        case .generic("PostgresMultiArray", let arguments) where arguments.count == 1: arguments[0].base
        case .named, .generic: self
        }
    }

    /// The array's element type, for an array (optional or not).
    public var element: SwiftType? {
        if case .array(let element) = unwrapped { return element }
        return nil
    }

    /// Every type name the type mentions, generic arguments included: `[PostgresCustomRange<UUID>]` →
    /// `PostgresCustomRange`, `UUID`.
    public var names: [String] {
        switch self {
        case .named(let name): [name]
        case .generic(let name, let arguments): [name] + arguments.flatMap(\.names)
        case .array(let inner), .optional(let inner): inner.names
        }
    }

    public init(from decoder: any Decoder) throws {
        self.init(parsing: try decoder.singleValueContainer().decode(String.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

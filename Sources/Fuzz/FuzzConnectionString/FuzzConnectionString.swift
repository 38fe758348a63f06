import SkeinConnection

/// libFuzzer's entry point: the input is one connection string (URI or key=value), decoded as UTF-8
/// (docs/fuzzing.md).
///
/// Properties, each a trap when it fails: parsing and validating are deterministic; the masked `description`
/// never shows a password (`password`, `sslpassword`) that could not have come from anywhere else in it; and it
/// reads back as the same parameters, the passwords as the mask; `masked(_:)` leaves no password libpq would read.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    ConnectionStringProperties.check(String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self))
    return 0
}

enum ConnectionStringProperties {
    static let secrets = ["password", "sslpassword"]
    static let mask = "********"

    static func check(_ text: String) {
        let parsed = Result { () throws(ConnectionStringError) in try ConnectionString.parse(text) }
        precondition(
            parsed == Result { () throws(ConnectionStringError) in try ConnectionString.parse(text) },
            "parsing is not deterministic")
        guard case .success(let connection) = parsed else { return }
        let validation = validationError(connection)
        precondition(validation == validationError(connection), "validation is not deterministic")

        let description = connection.description
        for secret in secrets {
            guard let password = connection.parameters[secret], isDistinctive(password, in: connection) else {
                continue
            }
            precondition(
                Array(description.utf8).firstRange(of: Array(password.utf8)) == nil,
                "the description shows the \(secret): \(description.debugDescription)")
        }

        // `masked(_:)`, for strings in messages, must hide every password libpq would read from the text.
        if let remasked = try? ConnectionString.parse(ConnectionString.masked(text)) {
            for secret in secrets {
                guard let password = connection.parameters[secret], password.unicodeScalars.count >= 3 else { continue }
                precondition(
                    remasked.parameters[secret] != password,
                    "masked(_:) shows the \(secret): \(ConnectionString.masked(text).debugDescription)")
            }
        }

        var masked = connection.parameters
        for secret in secrets where masked[secret] != nil { masked[secret] = mask }
        let reread = Result { () throws(ConnectionStringError) in try ConnectionString.parse(description) }
        precondition(
            reread == .success(ConnectionString(parameters: masked)),
            "the description \(description.debugDescription) does not read back as \(masked): \(reread)")
    }

    static func validationError(_ connection: ConnectionString) -> ConnectionStringError? {
        do throws(ConnectionStringError) {
            try connection.validate()
            return nil
        } catch {
            return error
        }
    }

    /// Whether a password in the description could only have come from the password itself: at least three
    /// characters, none of the description's separators, quotes, escapes or mask, and in no keyword or other value.
    static func isDistinctive(_ password: String, in connection: ConnectionString) -> Bool {
        guard password.unicodeScalars.count >= 3,
            !password.unicodeScalars.contains(where: { " ='\\*".unicodeScalars.contains($0) })
        else { return false }
        let needle = Array(password.utf8)
        for (keyword, value) in connection.parameters {
            if Array(keyword.utf8).firstRange(of: needle) != nil { return false }
            if !secrets.contains(keyword), Array(value.utf8).firstRange(of: needle) != nil { return false }
        }
        return true
    }
}

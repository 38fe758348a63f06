/// libpq's password file (`~/.pgpass`, `PGPASSFILE`): `hostname:port:database:username:password` lines,
/// `*` matches anything, `\:` and `\\` escape, `#` starts a comment line, the first match wins.
public enum PasswordFile {
    public static func password(in contents: String, host: String, port: Int, database: String, user: String)
        -> String?
    {
        for rawLine in contents.split(separator: "\n", omittingEmptySubsequences: true) {
            let line = rawLine.hasSuffix("\r") ? rawLine.dropLast() : rawLine
            guard !line.hasPrefix("#") else { continue }
            var fields: [String] = []
            var current = ""
            var escaped = false
            for character in line {
                if escaped {
                    current.append(character)
                    escaped = false
                } else if character == "\\" {
                    escaped = true
                } else if character == ":", fields.count < 4 {
                    fields.append(current)
                    current = ""
                } else {
                    current.append(character)
                }
            }
            fields.append(current)
            guard fields.count == 5 else { continue }
            let wanted = [host, String(port), database, user]
            if zip(fields.prefix(4), wanted).allSatisfy({ $0 == "*" || $0 == $1 }) { return fields[4] }
        }
        return nil
    }
}

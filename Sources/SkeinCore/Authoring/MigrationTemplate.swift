import Foundation

/// How a new migration is written by `skein create`.
public enum MigrationTemplate {
    /// Which template to write.
    public enum Style: Sendable, Hashable {
        /// Up and Down with IF [NOT] EXISTS examples, as comments to replace.
        case standard
        /// The policy's `-- DESTRUCTIVE:` header with backup and recovery lines, and the manual-recovery
        /// Down stub.
        case destructive
    }

    /// The file's text.
    public static func text(_ style: Style, name: String) -> String {
        switch style {
        case .standard:
            return """
                -- +goose Up
                -- \(name): write the change here. Use IF NOT EXISTS where PostgreSQL allows it, e.g.
                -- CREATE TABLE IF NOT EXISTS widgets (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY);
                -- ALTER TABLE widgets ADD COLUMN IF NOT EXISTS name text;
                -- CREATE INDEX IF NOT EXISTS idx_widgets_name ON widgets (name);
                -- Statements containing semicolons (functions, DO blocks) go in a StatementBegin/StatementEnd
                -- block (docs/migration-files.md).

                -- +goose Down
                -- Undo exactly what Up did, in reverse order, with IF EXISTS, e.g.
                -- DROP INDEX IF EXISTS idx_widgets_name;
                -- ALTER TABLE widgets DROP COLUMN IF EXISTS name;
                -- DROP TABLE IF EXISTS widgets;

                """
        case .destructive:
            return """
                -- DESTRUCTIVE: \(name): describe what this migration destroys and why
                -- Backup created: <name of the backup, e.g. user_sessions_backup_YYYYMMDD>
                -- Recovery procedure: <runbook, e.g. docs/runbooks/data-recovery.md>

                -- +goose Up
                -- DROP TABLE IF EXISTS user_sessions;

                -- +goose Down
                -- Cannot automatically reverse - requires manual data restoration
                -- See: <runbook section, e.g. docs/runbooks/data-recovery.md#user-sessions-restoration>
                SELECT 'MANUAL_RECOVERY_REQUIRED' as status;

                """
        }
    }

    /// The UTC timestamp version for a moment, as `YYYYMMDDHHMMSS` (goose's `20060102150405`).
    public static func timestampVersion(year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int) -> String
    {
        func pad(_ value: Int, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return pad(year, 4) + pad(month, 2) + pad(day, 2) + pad(hour, 2) + pad(minute, 2) + pad(second, 2)
    }

    /// goose's `-s` numbering: one more than the highest version that is not a timestamp after 1970,
    /// written with at least five digits (`%05v`).
    public static func nextSequentialVersion(after versions: [Int64]) -> String {
        let sequential = versions.filter { !isTimestampVersion($0) }
        let next = (sequential.max() ?? 0) + 1
        let text = String(next)
        return String(repeating: "0", count: max(0, 5 - text.count)) + text
    }

    /// Whether goose treats a version as a timestamp (it parses as `20060102150405` after 1970).
    public static func isTimestampVersion(_ version: Int64) -> Bool {
        let digits = String(version)
        guard let stamp = MigrationNamePolicy.timestamp(fromDigits: digits[...]) else { return false }
        return stamp.year >= 1970
            && !(stamp.year == 1970 && stamp.month == 1 && stamp.day == 1 && stamp.hour == 0
                && stamp.minute == 0 && stamp.second == 0)
    }

    /// goose v3.17.0's `snakeCase` for `create` names: runs of letters and digits, lowercased, joined by
    /// `_` (it does not split camelCase: `AddUserTable` → `addusertable`).
    public static func gooseSnakeCase(_ name: String) -> String {
        enum State { case idle, firstAlphaNumeric, alphaNumeric, delimiter }
        func isAlphaNumeric(_ scalar: Unicode.Scalar) -> Bool {
            scalar.properties.isAlphabetic && scalar.properties.generalCategory.isLetter
                || scalar.properties.numericType == .decimal
        }
        var state = State.idle
        var output = ""
        for scalar in name.unicodeScalars {
            let alnum = isAlphaNumeric(scalar)
            switch state {
            case .idle: if alnum { state = .firstAlphaNumeric }
            case .firstAlphaNumeric: state = alnum ? .alphaNumeric : .delimiter
            case .alphaNumeric: if !alnum { state = .delimiter }
            case .delimiter: state = alnum ? .firstAlphaNumeric : .idle
            }
            switch state {
            case .firstAlphaNumeric, .alphaNumeric: output += String(scalar).lowercased()
            case .delimiter: output += "_"
            case .idle: break
            }
        }
        if state == .idle, output.hasSuffix("_") { output.removeLast() }
        return output
    }
}

extension Unicode.GeneralCategory {
    fileprivate var isLetter: Bool {
        switch self {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: true
        default: false
        }
    }
}

/// goose's `fix`: timestamped versions renumbered to sequential ones after the highest sequential version,
/// in version order (`20240101120000_a.sql` → `00004_a.sql`).
public enum MigrationRenumbering {
    public struct Rename: Sendable, Hashable {
        public var from: String
        public var to: String
    }

    /// The renames goose v3.17.0's `fix` makes: in each path, the first occurrence of the version's digits is
    /// replaced by the new `%05d` version (goose's `strings.Replace(path, version, new, 1)`).
    public static func plan(_ migrations: [Migration]) -> [Rename] {
        let sorted = migrations.sorted { $0.version < $1.version }
        let sequential = sorted.filter { !MigrationTemplate.isTimestampVersion($0.version) }
        var next = (sequential.last?.version ?? 0) + 1
        var renames: [Rename] = []
        for migration in sorted where MigrationTemplate.isTimestampVersion(migration.version) {
            let digits = String(migration.version)
            let padded = String(next)
            let replacement = String(repeating: "0", count: max(0, 5 - padded.count)) + padded
            if let range = migration.path.range(of: digits) {
                renames.append(
                    Rename(from: migration.path, to: migration.path.replacingCharacters(in: range, with: replacement)))
            }
            next += 1
        }
        return renames
    }
}

/// `create`'s decisions, as a pure function: the file name, its text and the warnings, or why the name is
/// refused. The caller reads the directory and writes the file.
public enum MigrationCreation {
    /// How the new version is numbered.
    public enum Numbering: Sendable, Hashable {
        /// The policy's UTC `YYYYMMDDHHMMSS` timestamp (the caller passes the current time's digits).
        case timestamp(String)
        /// goose's `-s`: one more than the highest sequential version, `%05d`.
        case sequential
    }

    /// A migration to write.
    public struct NewMigration: Sendable, Hashable {
        public var fileName: String
        public var version: String
        public var text: String
        /// Policy findings that do not stop the file being written (warnings).
        public var warnings: [Diagnostic]
    }

    /// Why `create` refuses.
    public struct Refusal: Error, Sendable, Hashable, CustomStringConvertible {
        public var code: String
        public var message: String
        public var description: String { message }
    }

    /// Decides the new file.
    /// - Parameters:
    ///   - name: what the user typed.
    ///   - style: the template.
    ///   - numbering: timestamp or goose's sequential numbering.
    ///   - policy: `.enforce` refuses names and numbering the policy forbids; `.warn` writes the file as goose
    ///     would name it (goose's `snakeCase`) and warns.
    ///   - existing: the migrations already in the directory (a version clash is refused).
    public static func plan(
        name: String, style: MigrationTemplate.Style, numbering: Numbering, policy: PolicyEnforcement,
        existing: [Migration]
    ) -> Result<NewMigration, Refusal> {
        var warnings: [Diagnostic] = []
        func warning(_ code: String, _ message: String, help: String? = nil) {
            warnings.append(Diagnostic(severity: .warning, code: code, message: message, help: help))
        }
        let corrected = MigrationNamePolicy.snakeCased(name)
        let description: String
        if MigrationNamePolicy.isSnakeCase(name) {
            description = name
        } else if policy == .enforce {
            return .failure(
                Refusal(
                    code: MigrationNamePolicy.Rule.snakeCase.rawValue,
                    message:
                        "the name \"\(name)\" breaks the naming policy (lowercase snake_case, no spaces, capitals, hyphens or non-ASCII letters)"
                        + (corrected.isEmpty ? "" : "; use \(corrected)")))
        } else {
            description = MigrationTemplate.gooseSnakeCase(name)
            warning(
                MigrationNamePolicy.Rule.snakeCase.rawValue,
                "the name \"\(name)\" breaks the naming policy"
                    + (corrected.isEmpty ? "" : "; the policy's spelling is \(corrected)"))
        }
        guard !description.isEmpty else {
            return .failure(
                Refusal(
                    code: MigrationNamePolicy.Rule.format.rawValue,
                    message: "the name \"\(name)\" has no letters or digits; describe the change, e.g. add_user_roles"))
        }
        warnings += MigrationNamePolicy.descriptionWarnings(description, location: nil)

        var version: String
        switch numbering {
        case .timestamp(let digits):
            // Two files created within one second: the second takes the next free second (the version only orders
            // the files), instead of a clash to wait out.
            version = digits
            let taken = Set(existing.map(\.version))
            while let number = Int64(version), taken.contains(number), let next = Self.secondAfter(version) {
                version = next
            }
        case .sequential:
            guard policy == .warn else {
                return .failure(
                    Refusal(
                        code: MigrationNamePolicy.Rule.format.rawValue,
                        message:
                            "the policy requires timestamp versions (YYYYMMDDHHMMSS); -s (sequential) is refused under `policy: enforce`"
                    ))
            }
            warning(
                MigrationNamePolicy.Rule.format.rawValue,
                "sequential versions break the naming policy (YYYYMMDDHHMMSS_description.sql)")
            version = MigrationTemplate.nextSequentialVersion(after: existing.map(\.version))
        }
        if let clash = existing.first(where: { $0.version == Int64(version) }) {  // sequential, or an odd timestamp
            return .failure(
                Refusal(
                    code: "duplicate-version",
                    message: "version \(version) is already used by \(clash.path); wait a second and run create again"))
        }
        return .success(
            NewMigration(
                fileName: "\(version)_\(description).sql", version: version,
                text: MigrationTemplate.text(style, name: description), warnings: warnings))
    }

    /// The `YYYYMMDDHHMMSS` one second after `digits`, carried through minutes, hours, days, months and years;
    /// `nil` when `digits` is not a real timestamp.
    static func secondAfter(_ digits: String) -> String? {
        guard var t = MigrationNamePolicy.timestamp(fromDigits: digits[...]) else { return nil }
        t.second += 1
        if t.second == 60 { (t.second, t.minute) = (0, t.minute + 1) }
        if t.minute == 60 { (t.minute, t.hour) = (0, t.hour + 1) }
        if t.hour == 24 { (t.hour, t.day) = (0, t.day + 1) }
        if t.day > MigrationNamePolicy.daysIn(month: t.month, year: t.year) { (t.day, t.month) = (1, t.month + 1) }
        if t.month == 13 { (t.month, t.year) = (1, t.year + 1) }
        func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
        let year = String(t.year)
        guard year.count == 4 else { return nil }
        return year + two(t.month) + two(t.day) + two(t.hour) + two(t.minute) + two(t.second)
    }
}

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

        let version: String
        switch numbering {
        case .timestamp(let digits):
            version = digits
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
        if let clash = existing.first(where: { $0.version == Int64(version) }) {
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
}

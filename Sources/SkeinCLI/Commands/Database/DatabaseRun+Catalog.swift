import SkeinCore

extension DatabaseRun {
    /// Reads the migrations directory on a pool thread (``ThreadPoolTaskExecutor``). The CLI's tasks share one event
    /// loop, so read on it, the files would hold that loop and the connection started beside them would wait: on
    /// the pool, connecting (the TCP and TLS handshakes, the authentication) overlaps the reading.
    static func readCatalog(
        directory: String, environment: [String: String], parsing: MigrationCatalog.Parsing
    ) async throws(MigrationSourceError) -> MigrationCatalog {
        let result = await Task(executorPreference: ThreadPoolTaskExecutor.shared) {
            Result { () throws(MigrationSourceError) in
                // Only repair needs every file parsed first; the runner parses what its plan runs; status lists names
                // and reads the applied files it compares (parsing what changed), version none.
                try MigrationCatalog(
                    source: DirectorySource(directory: directory),
                    parser: GooseParser(environmentSubstitution: .enabled(environment)), parsing: parsing)
            }
        }.value
        return try result.get()
    }
}

/// goose's usage, split between the streams as goose v3.17 splits it: the text on stdout, the flag list (Go's
/// `flag.PrintDefaults`, byte for byte goose's) on stderr, after `flag provided but not defined: -x` when a flag
/// was wrong. The text names skein and the drivers it runs (a documented difference).
enum GooseUsage {
    /// What goes to stdout: usage, drivers, examples, then (after an empty `Options:` section whose flags went to
    /// stderr) the commands.
    static let standardOutput = """
        Usage: skein [OPTIONS] DRIVER DBSTRING COMMAND

        or

        Set environment key
        GOOSE_DRIVER=DRIVER
        GOOSE_DBSTRING=DBSTRING

        Usage: skein [OPTIONS] COMMAND

        Drivers:
            postgres
            redshift

        Examples:
            skein postgres "user=postgres dbname=postgres sslmode=disable" status
            skein -dir migrations postgres "$DATABASE_URL" up
            GOOSE_DRIVER=postgres GOOSE_DBSTRING="user=postgres dbname=postgres sslmode=disable" skein status

        Options:


        Commands:
            up                   Migrate the DB to the most recent version available
            up-by-one            Migrate the DB up by 1
            up-to VERSION        Migrate the DB to a specific VERSION
            down                 Roll back the version by 1
            down-to VERSION      Roll back to a specific VERSION
            redo                 Re-run the latest migration
            reset                Roll back all migrations
            status               Dump the migration status for the current DB
            version              Print the current version of the database
            create NAME [sql|go] Creates new migration file with the current timestamp
            fix                  Apply sequential ordering to migrations
            validate             Check migration files without running them

        Skein's own grammar: skein --help

        """

    /// What goes to stderr: goose's flags as Go's `flag` package prints them.
    static let flags = """
          -allow-missing
            \tapplies missing (out-of-order) migrations
          -certfile string
            \tfile path to root CA's certificates in pem format (only support on mysql)
          -dir string
            \tdirectory with migration files (default ".")
          -h\tprint help
          -no-color
            \tdisable color output (NO_COLOR env variable supported)
          -no-versioning
            \tapply migration commands with no versioning, in file order, from directory pointed to
          -s\tuse sequential numbering for new migrations
          -ssl-cert string
            \tfile path to SSL certificates in pem format (only support on mysql)
          -ssl-key string
            \tfile path to SSL key in pem format (only support on mysql)
          -table string
            \tmigrations table name (default "goose_db_version")
          -timeout duration
            \tmaximum allowed duration for queries to run; e.g., 1h13m
          -v\tenable verbose mode
          -version
            \tprint version
        """
}

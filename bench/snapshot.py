#!/usr/bin/env python3
"""Schema snapshot benchmark: the catalog query of SchemaSnapshot.read on a schema of about --tables tables.

    python3 bench/snapshot.py [--tables 200] [--timings 15] [--privileges] [--skein .build/debug/skein]

The schema is what ../shared/bench/gen_migrations.py (seed 42) builds with as many migrations as it takes to
create --tables tables (plus goose_db_version, left out as verify leaves it out): columns added later, FKs,
plain/partial/GIN indexes, enums, plpgsql functions and triggers, comments. It is applied with psql to a new
database on a throwaway server from `skein sandbox`. The query is read from Sources/SkeinPostgres/SchemaSnapshot.swift
and sent with psql as a prepared statement; the median of --timings executions is printed (server time plus
transfer to psql, measured with psql's \\timing): the query returns one JSON array, which Swift decodes in one call.
"""
import argparse, json, os, re, statistics, subprocess, sys, tempfile, shutil

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)


def catalog_query():
    """SchemaSnapshot.catalogSQL: "WITH " + catalogCTEs(partial: false) + objectsJSON."""
    source = open(os.path.join(ROOT, "Sources/SkeinPostgres/SchemaSnapshot.swift")).read()
    ctes = re.search(r'static func catalogCTEs\(partial: Bool\).*?return #"""\n(.*?)\n\s*"""#', source, re.S)
    answer = re.search(r'static let objectsJSON = #"""\n(.*?)\n\s*"""#', source, re.S)
    if not ctes or not answer:
        sys.exit("catalogCTEs or objectsJSON not found in SchemaSnapshot.swift")
    return "WITH " + re.sub(r'\\#\(only\([^)]*\)\)', "true", ctes.group(1)) + "\n" + answer.group(1)


def migrations_for(generator, tables, work):
    """The smallest migration count (seed 42) whose history creates at least `tables` tables."""
    low, high = 1, tables * 10
    while low < high:
        middle = (low + high) // 2
        done = run([sys.executable, generator, "-n", str(middle), "--seed", "42", "--out", work, "--format", "floor",
                    "--clean"])
        created = int(re.search(r"create_table=(\d+)", done.stdout + done.stderr).group(1))
        if created >= tables:
            high = middle
        else:
            low = middle + 1
    run([sys.executable, generator, "-n", str(low), "--seed", "42", "--out", work, "--format", "floor", "--clean"])
    return low


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--tables", type=int, default=200)
    parser.add_argument("--timings", type=int, default=15)
    parser.add_argument("--privileges", action="store_true", help="read owners and privileges too")
    parser.add_argument("--skein", default=os.path.join(ROOT, ".build/debug/skein"))
    parser.add_argument("--shared", default=os.environ.get("SKEIN_SHARED_DIR", os.path.join(os.path.dirname(ROOT), "shared")))
    args = parser.parse_args()
    if not os.access(args.skein, os.X_OK):
        sys.exit(f"{args.skein} not found: build it with `swift build --product skein`")
    work = tempfile.mkdtemp(prefix="skein-snapshot-bench-")
    n = migrations_for(os.path.join(args.shared, "bench/gen_migrations.py"), args.tables, work)
    name = f"snapbench{os.getpid()}"
    url = run([args.skein, "sandbox", "start", "--name", name]).stdout.strip()
    database = f"{url.rsplit('/', 1)[0]}/snapshot_bench"
    try:
        run(["psql", "-X", "-q", "-d", url, "-c", "CREATE DATABASE snapshot_bench"])
        run(["psql", "-X", "-q", "-1", "-v", "ON_ERROR_STOP=1", "-d", database, "-f",
             os.path.join(work, "floor/floor_single_tx.sql")])
        run(["psql", "-X", "-q", "-d", database, "-c", "VACUUM ANALYZE"])
        privileges = "true" if args.privileges else "false"
        script = ("PREPARE snapshot(text[], bool, text[], bool) AS\n" + catalog_query() + ";\n"
                  + "\\timing on\n"
                  + f"EXECUTE snapshot('{{goose_db_version,goose_db_version\\\\_skein\\\\_%}}', true, '{{}}', {privileges});\n"
                  * (args.timings + 1))
        output = run(["psql", "-X", "-q", "-At", "-d", database], input=script).stdout
        times = [float(t) for t in re.findall(r"^Time: ([\d.]+) ms", output, re.M)][1:]  # the first plans
        rows = len(json.loads(next(line for line in output.splitlines() if line.startswith("["))))
        tables = run(["psql", "-X", "-At", "-d", database, "-c",
                      "SELECT count(*) FROM pg_class WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace"]).stdout.strip()
    finally:
        subprocess.run([args.skein, "sandbox", "stop", "--name", name], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        shutil.rmtree(work, ignore_errors=True)
    print(f"schema of {n} generated migrations: {tables} tables, {rows} snapshot objects")
    print(f"  catalog query (one round trip)  median {statistics.median(times):7.1f} ms  "
          f"min {min(times):7.1f} ms  over {len(times)} runs")


if __name__ == "__main__":
    main()

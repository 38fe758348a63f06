#!/usr/bin/env python3
"""Lock discipline, side by side in one run, on a throwaway PostgreSQL that Skein starts.

A table of --rows rows, readers querying it steadily (pgbench: --clients clients, each a primary-key
SELECT then a 50 ms pause), and a long transaction that reads the table and holds its ACCESS SHARE lock for
--hold seconds (as a nightly pg_dump or a forgotten BEGIN does). One second into the hold, the same
`ALTER TABLE … ADD COLUMN` migration runs:

  - goose's behaviour (goose grammar: `skein -dir … postgres URL up`, no lock timeout, no pre-flight): the ALTER
    waits for the holder, and every reader queues behind the waiting ALTER;
  - Skein's lock timeout and retries alone (`skein up --preflight off`): the ALTER gives up after 1 s, readers
    wait at most that long per attempt, and a retry applies it once the holder ends;
  - Skein's defaults (`skein up`): the pre-flight sees the holder and waits without requesting any lock, so the
    readers never queue; the migration runs when the holder ends.

For each, and for a run with no holder and no migration (the readers' own latency), it prints the readers'
p50/p99 latency, how many reads took over 1 s, and when the migration finished (seconds after the holder
began). Goal: with Skein's defaults, reader p99 <= 2x the p99 without a holder, no read over 1 s, and the
migration applied once the holder ends.

    python3 bench/locks.py [--rows 20000] [--hold 4] [--clients 4] [--skein .build/release/skein]

pgbench is PostgreSQL's own load tool; its per-transaction log gives each read's latency (the 50 ms pause is
subtracted).
"""
import argparse, glob, os, shutil, statistics, subprocess, sys, tempfile, threading, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PAUSE_US = 50_000


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)


def psql(url, sql):
    return run(["psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-d", url, "-c", sql]).stdout.strip()


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def scenario(label, url, migration, hold, clients, duration):
    """Runs the readers for `duration` s; with `migration`, a holder for `hold` s from t=1 and the migration
    from t=2. Returns (latencies in ms, migration finish time after the holder began, or None, exit code)."""
    scratch = tempfile.mkdtemp(prefix="skein-locks-")
    script = os.path.join(scratch, "read.sql")
    with open(script, "w") as out:
        out.write("\\set id random(1, 20000)\nSELECT id, note FROM orders WHERE id = :id;\n\\sleep 50 ms\n")
    readers = subprocess.Popen(
        ["pgbench", "-n", "-c", str(clients), "-j", str(min(clients, 2)), "-T", str(duration), "-f", script,
         "--log", "--log-prefix", os.path.join(scratch, "log"), url],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    finished, code = None, None
    if migration is not None:
        time.sleep(1)
        holder = subprocess.Popen(
            ["psql", "-X", "-q", "-d", url, "-c",
             f"BEGIN; SELECT count(*) FROM orders; SELECT pg_sleep({hold}); COMMIT;"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        began = time.perf_counter()
        time.sleep(1)
        result = subprocess.run(migration, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        finished, code = time.perf_counter() - began, result.returncode
        if code != 0:
            print(f"{label}: the migration failed ({code}):\n{result.stdout}", file=sys.stderr)
        holder.wait()
    _, errors = readers.communicate()
    if readers.returncode != 0:
        sys.exit(f"pgbench failed: {errors}")
    latencies = []
    for path in glob.glob(os.path.join(scratch, "log*")):
        for line in open(path):
            fields = line.split()
            latencies.append(max(0, int(fields[2]) - PAUSE_US) / 1000)
    shutil.rmtree(scratch, ignore_errors=True)
    return latencies, finished, code


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=20000)
    parser.add_argument("--hold", type=float, default=4, help="seconds the long transaction holds its lock")
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--skein", default=os.path.join(ROOT, ".build/release/skein"))
    args = parser.parse_args()
    skein = os.path.abspath(args.skein)
    if not os.path.exists(skein):
        sys.exit(f"{skein} is missing: swift build -c release --product skein")
    if not shutil.which("pgbench"):
        sys.exit("pgbench is missing: it comes with PostgreSQL's client tools (apt-get install postgresql)")
    name = f"locks-{os.getpid()}"
    url = run([skein, "sandbox", "start", "--name", name]).stdout.strip()
    base = url.split("?", 1)[0].rsplit("/", 1)[0]
    migrations = tempfile.mkdtemp(prefix="skein-locks-migrations-")
    with open(os.path.join(migrations, "00001_add_priority.sql"), "w") as out:
        out.write("-- +goose Up\nALTER TABLE orders ADD COLUMN priority int;\n"
                  "-- +goose Down\nALTER TABLE orders DROP COLUMN priority;\n")
    duration = int(args.hold + 6)
    modes = [
        ("no holder, no migration", None),
        ("goose's behaviour (goose grammar)", lambda db: [skein, "-dir", migrations, "postgres", db, "up"]),
        ("skein: lock timeout + retries only", lambda db: [skein, "up", "--dir", migrations, "--database-url", db,
                                                            "--preflight", "off"]),
        ("skein: defaults (pre-flight wait)", lambda db: [skein, "up", "--dir", migrations, "--database-url", db]),
    ]
    results = []
    try:
        for index, (label, command) in enumerate(modes):
            database = f"locks_{index}"
            psql(url, f'CREATE DATABASE "{database}"')
            db = f"{base}/{database}?sslmode=disable"
            psql(db, "CREATE TABLE orders (id int PRIMARY KEY, note text)")
            psql(db, f"INSERT INTO orders SELECT g, 'order ' || g FROM generate_series(1, {args.rows}) g")
            psql(db, "VACUUM ANALYZE orders")
            latencies, finished, code = scenario(
                label, db, command(db) if command else None, args.hold, args.clients, duration)
            applied = None
            if command:
                applied = psql(db, "SELECT count(*) FROM information_schema.columns "
                                   "WHERE table_name = 'orders' AND column_name = 'priority'") == "1"
            results.append((label, latencies, finished, code, applied))
    finally:
        subprocess.run([skein, "sandbox", "stop", "--name", name], stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        shutil.rmtree(migrations, ignore_errors=True)
    baseline_p99 = percentile(results[0][1], 0.99)
    print(f"orders: {args.rows} rows; {args.clients} readers (primary-key SELECT, 50 ms pause); a transaction holds "
          f"ACCESS SHARE for {args.hold:g} s from t=0; the migration (ALTER TABLE orders ADD COLUMN) starts at t=1 s")
    print(f"{'run':38} {'reads':>6} {'p50 ms':>8} {'p99 ms':>8} {'p99/base':>9} {'max ms':>8} {'>1 s':>5}  migration")
    for label, latencies, finished, code, applied in results:
        over = sum(1 for value in latencies if value > 1000)
        p99 = percentile(latencies, 0.99)
        migration = "—" if finished is None else (
            f"finished at t={finished:.2f} s, exit {code}, {'applied' if applied else 'NOT applied'}")
        print(f"{label:38} {len(latencies):6d} {statistics.median(latencies):8.2f} {p99:8.2f} "
              f"{p99 / baseline_p99:8.2f}x {max(latencies):8.1f} {over:5d}  {migration}")
    label, latencies, finished, code, applied = results[-1]
    goal = (percentile(latencies, 0.99) <= 2 * baseline_p99 and not any(v > 1000 for v in latencies)
            and applied and finished is not None and finished >= args.hold)
    print(f"goal (Skein's defaults: p99 <= 2x base, no read over 1 s, applied after the holder ends): "
          f"{'met' if goal else 'NOT met'}")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Runner benchmark, in one run, side by side, on a throwaway PostgreSQL that Skein starts:

  - `skein up` of N generated goose migrations (with Skein's bookkeeping: checksum rows beside
    goose_db_version) next to the raw psql floor, and `dbmate up` when dbmate is installed;
  - one `skein down` and one `dbmate rollback` on the database with N applied migrations (each timing
    re-applies the last migration first, so every down sees the same database);
  - `skein status` with --status-n applied versions and as many files (rows inserted directly);
  - 8 `skein up` started together on one fresh database (--concurrent-n migrations) next to one `skein up`
    alone on another: the waiters block inside PostgreSQL and are released the moment the lock is free;
  - the peak RSS of skein up, down and status, next to `skein --version`'s.

    python3 bench/runner.py [-n 1000] [--runs 3] [--status-n 10000] [--timings 15] [--concurrent 8]
                            [--concurrent-n 20] [--skein .build/release/skein]

The workload comes from ../shared/bench/gen_migrations.py (seed 42). Single commands (down, rollback,
status) are timed with hyperfine when it is installed, otherwise as the median of --timings runs. Peak RSS
is the child's ru_maxrss from wait4. Each run uses new database names and all of them are dropped at the
end (a large DROP DATABASE slows later DDL on these disks).
"""
import argparse, json, os, shutil, statistics, subprocess, sys, tempfile, time

from peers import real_executable

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)


def measured(cmd):
    """Runs `cmd` once: (wall seconds, peak RSS in MiB) of that process alone."""
    start = time.perf_counter()
    process = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    error = process.stderr.read().decode(errors="replace")
    process.stderr.close()
    if process.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed ({process.returncode}):\n{error}")
    return elapsed, usage.ru_maxrss / 1024  # ru_maxrss is in KiB on Linux


def timed(cmd):
    return measured(cmd)[0]


def quoted(cmd):
    return " ".join("'" + part.replace("'", "'\\''") + "'" for part in cmd)


def median_of(cmd, prepare, timings, hyperfine):
    """Median wall time of `cmd`, running `prepare` (not timed) before each timing."""
    if hyperfine:
        with tempfile.NamedTemporaryFile(suffix=".json") as export:
            run([hyperfine, "-N", "--style", "none", "--warmup", "1", "--runs", str(timings), "--prepare",
                 quoted(prepare), "--export-json", export.name, quoted(cmd)])
            return statistics.median(json.load(open(export.name))["results"][0]["times"])
    values = []
    for _ in range(timings + 1):
        run(prepare)
        values.append(timed(cmd))
    return statistics.median(values[1:])  # the first is a warm-up


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("-n", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3, help="runs of each `up` (median)")
    parser.add_argument("--status-n", type=int, default=10000, help="applied versions for `skein status`")
    parser.add_argument("--timings", type=int, default=15, help="timings of each single command (median)")
    parser.add_argument("--concurrent", type=int, default=8, help="runners started together on one database")
    parser.add_argument("--concurrent-n", type=int, default=20, help="migrations those runners apply")
    parser.add_argument("--skein", default=os.path.join(ROOT, ".build/release/skein"))
    parser.add_argument("--before", help="another skein binary (an earlier build) whose `up` runs in the same rounds")
    parser.add_argument("--shared", default=os.environ.get("SKEIN_SHARED_DIR", os.path.join(os.path.dirname(ROOT), "shared")))
    args = parser.parse_args()
    skein = args.skein
    if not os.access(skein, os.X_OK):
        sys.exit(f"{skein} not found: build it with `make build`")
    work = tempfile.mkdtemp(prefix="skein-bench-")
    generator = os.path.join(args.shared, "bench/gen_migrations.py")
    run([sys.executable, generator, "-n", str(args.n), "--seed", "42", "--out", work, "--format", "goose,floor,dbmate"])
    status_work = os.path.join(work, "status")
    run([sys.executable, generator, "-n", str(args.status_n), "--seed", "42", "--out", status_work, "--format", "goose"])
    goose_dir, dbmate_dir = os.path.join(work, "goose"), os.path.join(work, "dbmate")
    name = f"bench{os.getpid()}"
    url = run([skein, "sandbox", "start", "--name", name]).stdout.strip()
    base = url.rsplit("/", 1)[0]
    query = "?sslmode=disable"
    dbmate = real_executable("dbmate")
    hyperfine = shutil.which("hyperfine")
    databases = []
    floor_label, up_label = "psql floor (one session, tx per file)", "skein up"
    dbmate_label = "dbmate up --no-dump-schema"
    results = {floor_label: [], up_label: []}
    if dbmate:
        results[dbmate_label] = []
    before_label = "skein up, before (--before)"
    if args.before:
        results[before_label] = []
    rss = {}
    singles = {}

    def fresh(label):
        db = f"{label}_{len(databases)}_{os.getpid()}"
        run(["psql", "-X", "-q", "-d", url, "-c", f'CREATE DATABASE "{db}"'])
        databases.append(db)
        return f"{base}/{db}{query}"

    try:
        skein_target = dbmate_target = None
        for i in range(args.runs):
            floor = fresh("floor")
            results[floor_label].append(timed(
                ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", floor, "-f", os.path.join(work, "floor/floor_per_file.sql")]))
            skein_target = fresh("skein")
            elapsed, peak = measured([skein, "up", "--dir", goose_dir, "--database-url", skein_target])
            results[up_label].append(elapsed)
            rss["skein up"] = max(rss.get("skein up", 0), peak)
            if args.before:
                results[before_label].append(timed([args.before, "up", "--dir", goose_dir, "--database-url", fresh("before")]))
            if dbmate:
                dbmate_target = fresh("dbmate")
                results[dbmate_label].append(timed(
                    [dbmate, "--no-dump-schema", "--migrations-dir", dbmate_dir, "-u", dbmate_target, "up"]))

        # One down on N applied migrations; each timing first re-applies the migration it rolls back.
        skein_down = [skein, "down", "--dir", goose_dir, "--database-url", skein_target]
        skein_reup = [skein, "up", "--dir", goose_dir, "--database-url", skein_target]
        singles["skein down (one, of %d applied)" % args.n] = median_of(skein_down, skein_reup, args.timings, hyperfine)
        run(skein_reup)
        rss["skein down"] = measured(skein_down)[1]
        if dbmate:
            dbmate_rollback = [dbmate, "--no-dump-schema", "--migrations-dir", dbmate_dir, "-u", dbmate_target, "rollback"]
            dbmate_reup = [dbmate, "--no-dump-schema", "--migrations-dir", dbmate_dir, "-u", dbmate_target, "up"]
            singles["dbmate rollback (one, of %d applied)" % args.n] = median_of(
                dbmate_rollback, dbmate_reup, args.timings, hyperfine)

        # status with many applied versions: goose's table created by skein, the rows inserted directly.
        status_target = fresh("status")
        status_dir = os.path.join(status_work, "goose")
        skein_status = [skein, "status", "--dir", status_dir, "--database-url", status_target]
        run([skein, "-dir", status_dir, "postgres", status_target, "status"])  # goose's status creates its table
        versions = sorted(int(f.split("_", 1)[0]) for f in os.listdir(status_dir) if f.endswith(".sql"))
        rows = "".join(f"{v},t\n" for v in versions)
        run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", status_target, "-c",
             "COPY goose_db_version (version_id, is_applied) FROM STDIN WITH (FORMAT csv)"], input=rows)
        singles["skein status (%d applied, %d files)" % (len(versions), len(versions))] = median_of(
            skein_status, ["true"], args.timings, hyperfine)
        rss["skein status (%d applied)" % len(versions)] = measured(skein_status)[1]
        rss["skein --version"] = measured([skein, "--version"])[1]

        # N runners started together on one database, next to one alone; alternated, median of --runs each.
        concurrent_dir = os.path.join(work, "concurrent")
        os.makedirs(concurrent_dir)
        for file in sorted(f for f in os.listdir(goose_dir) if f.endswith(".sql"))[: args.concurrent_n]:
            shutil.copy(os.path.join(goose_dir, file), concurrent_dir)
        alone, together = [], []
        for _ in range(args.runs):
            target = fresh("alone")
            alone.append(timed([skein, "up", "--dir", concurrent_dir, "--database-url", target]))
            target = fresh("together")
            command = [skein, "up", "--dir", concurrent_dir, "--database-url", target]
            start = time.perf_counter()
            processes = [subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
                         for _ in range(args.concurrent)]
            for process in processes:
                _, error = process.communicate()
                if process.returncode != 0:
                    sys.exit(f"concurrent skein up failed ({process.returncode}):\n{error.decode(errors='replace')}")
            together.append(time.perf_counter() - start)
        singles["skein up of %d, alone" % args.concurrent_n] = statistics.median(alone)
        singles["%d skein up of %d started together" % (args.concurrent, args.concurrent_n)] = statistics.median(
            together)
    finally:
        for db in databases:
            subprocess.run(["psql", "-X", "-q", "-d", url, "-c", f'DROP DATABASE IF EXISTS "{db}"'], stdout=subprocess.DEVNULL)
        subprocess.run([skein, "sandbox", "stop", "--name", name], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        shutil.rmtree(work, ignore_errors=True)
    floor = statistics.median(results[floor_label])
    print(f"apply {args.n} generated migrations, median of {args.runs} runs, PostgreSQL from `skein sandbox`")
    for label, values in results.items():
        median = statistics.median(values)
        print(f"  {label:40s} {median:8.3f} s  {median / floor:5.2f}x floor")
    for label in [up_label] + ([before_label] if args.before else []):
        rounds = [value / base for value, base in zip(results[label], results[floor_label])]
        print(f"  {label + ' ÷ floor, each round':40s} " + " ".join(f"{r:.2f}x" for r in rounds)
              + f"  (worst {max(rounds):.2f}x)")
    how = f"hyperfine, median of {args.timings}" if hyperfine else f"median of {args.timings}"
    print(f"single commands, process start included ({how})")
    for label, value in singles.items():
        print(f"  {label:40s} {value * 1000:8.1f} ms")
    together = [v for k, v in singles.items() if "started together" in k]
    alone = [v for k, v in singles.items() if k.endswith(", alone")]
    if together and alone:
        print(f"  {'together / alone':40s} {together[0] / alone[0]:8.2f}x")
    print("peak RSS (ru_maxrss)")
    for label, value in rss.items():
        print(f"  {label:40s} {value:8.1f} MiB")


if __name__ == "__main__":
    main()

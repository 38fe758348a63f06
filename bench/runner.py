#!/usr/bin/env python3
"""Runner benchmark: `skein up` of N generated goose migrations next to the raw psql floor (and dbmate when
installed), in one run, on a throwaway PostgreSQL that Skein starts. Prints medians and ratios.

    python3 bench/runner.py [-n 1000] [--runs 3] [--skein .build/release/skein]

The workload comes from ../shared/bench/gen_migrations.py (seed 42). Each run uses new database names and
all of them are dropped at the end (a large DROP DATABASE slows later DDL on these disks).
"""
import argparse, os, shutil, statistics, subprocess, sys, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)


def timed(cmd, env=None):
    start = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("-n", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--skein", default=os.path.join(ROOT, ".build/release/skein"))
    parser.add_argument("--shared", default=os.environ.get("SKEIN_SHARED_DIR", os.path.join(os.path.dirname(ROOT), "shared")))
    args = parser.parse_args()
    skein = args.skein
    if not os.access(skein, os.X_OK):
        sys.exit(f"{skein} not found: build it with `swift build -c release --product skein`")
    work = tempfile.mkdtemp(prefix="skein-bench-")
    run([sys.executable, os.path.join(args.shared, "bench/gen_migrations.py"), "-n", str(args.n), "--seed", "42",
         "--out", work, "--format", "goose,floor,dbmate"])
    name = f"bench{os.getpid()}"
    url = run([skein, "sandbox", "start", "--name", name]).stdout.strip()
    base = url.rsplit("/", 1)[0]
    query = "?sslmode=disable"
    dbmate = shutil.which("dbmate")
    databases = []
    results = {"psql floor (one session, tx per file)": [], "skein up": [], "skein down (one, process included)": []}
    if dbmate:
        results["dbmate up --no-dump-schema"] = []
    try:
        for i in range(args.runs):
            def fresh(label):
                db = f"{label}_{i}_{os.getpid()}"
                run(["psql", "-X", "-q", "-d", url, "-c", f'CREATE DATABASE "{db}"'])
                databases.append(db)
                return f"{base}/{db}{query}"
            floor = fresh("floor")
            results["psql floor (one session, tx per file)"].append(timed(
                ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", floor, "-f", os.path.join(work, "floor/floor_per_file.sql")]))
            target = fresh("skein")
            results["skein up"].append(timed([skein, "up", "--dir", os.path.join(work, "goose"), "--database-url", target]))
            results["skein down (one, process included)"].append(timed(
                [skein, "down", "--dir", os.path.join(work, "goose"), "--database-url", target]))
            if dbmate:
                target = fresh("dbmate")
                results["dbmate up --no-dump-schema"].append(timed(
                    [dbmate, "--no-dump-schema", "--migrations-dir", os.path.join(work, "dbmate"), "-u", target, "up"]))
    finally:
        for db in databases:
            subprocess.run(["psql", "-X", "-q", "-d", url, "-c", f'DROP DATABASE IF EXISTS "{db}"'], stdout=subprocess.DEVNULL)
        subprocess.run([skein, "sandbox", "stop", "--name", name], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        shutil.rmtree(work, ignore_errors=True)
    floor = statistics.median(results["psql floor (one session, tx per file)"])
    print(f"apply {args.n} generated migrations, median of {args.runs} runs, PostgreSQL from `skein sandbox`")
    for label, values in results.items():
        median = statistics.median(values)
        ratio = "" if "down" in label else f"  {median / floor:5.2f}x floor"
        print(f"  {label:40s} {median:8.3f} s{ratio}")


if __name__ == "__main__":
    main()

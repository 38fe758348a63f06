#!/usr/bin/env python3
"""Verifier benchmark, side by side in one run, on a throwaway PostgreSQL that Skein starts:

  - the psql floor: one psql session applying, for each of N generated migrations, its Up, its Down and its
    Up again, each in a transaction with goose's version row (what verification must at least send), on a
    database created beforehand (outside the timing);
  - the same floor with its database's CREATE DATABASE and DROP DATABASE inside the timing: what `--dev-url`
    also does (it creates and drops a scratch database per run), so the fairer yardstick for it;
  - `skein verify --dev-url` on the same N migrations against the same running server (a scratch database
    per run, created and dropped by skein), i.e. the same work plus three schema snapshots and two
    comparisons per migration;
  - `skein verify` with no --dev-url: the same plus starting and removing a throwaway cluster of its own;
  - `skein verify --data` (rows generated before each Up, contents compared after each Down).

    python3 bench/verify.py [-n 100] [--runs 3] [--skein .build/release/skein]

The workload comes from ../shared/bench/gen_migrations.py (seed 42; the floor's SQL is its dbmate form, goose annotations stripped). Each figure is
the median of --runs runs; every run uses a new database.
"""
import argparse, os, re, statistics, subprocess, sys, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)


def timed(cmd):
    start = time.perf_counter()
    result = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed ({result.returncode}):\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    return elapsed


def floor_script(work):
    """Up, Down, Up of every migration, each in its own transaction with goose's version row."""
    dbmate_dir = os.path.join(work, "dbmate")  # the same migrations, goose annotations stripped
    parts = ["CREATE TABLE goose_db_version (id serial PRIMARY KEY, version_id bigint NOT NULL, "
             "is_applied boolean NOT NULL, tstamp timestamp DEFAULT now());"]
    for name in sorted(os.listdir(dbmate_dir)):
        version = int(re.match(r"(\d+)", name).group(1))
        text = open(os.path.join(dbmate_dir, name)).read()
        up, down = text.split("-- migrate:down", 1)
        up = up.replace("-- migrate:up", "", 1)
        insert = f"INSERT INTO goose_db_version (version_id, is_applied) VALUES ({version}, true);"
        delete = f"DELETE FROM goose_db_version WHERE version_id = {version};"
        for body, bookkeeping in ((up, insert), (down, delete), (up, insert)):
            parts.append(f"BEGIN;\n{body}\n{bookkeeping}\nCOMMIT;")
    path = os.path.join(work, "floor_up_down_up.sql")
    with open(path, "w") as output:
        output.write("\n".join(parts) + "\n")
    return path


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=100)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--skein", default=os.path.join(ROOT, ".build/release/skein"))
    parser.add_argument("--shared", default=os.environ.get("SKEIN_SHARED_DIR", os.path.join(os.path.dirname(ROOT), "shared")))
    args = parser.parse_args()
    skein = args.skein
    if not os.access(skein, os.X_OK):
        sys.exit(f"{skein} not found: build it with `make build`")
    work = tempfile.mkdtemp(prefix="skein-verify-bench-")
    generator = os.path.join(args.shared, "bench/gen_migrations.py")
    run([sys.executable, generator, "-n", str(args.n), "--seed", "42", "--out", work, "--format", "goose,dbmate"])
    goose_dir = os.path.join(work, "goose")
    script = floor_script(work)
    name = f"vbench{os.getpid()}"
    url = run([skein, "sandbox", "start", "--name", name]).stdout.strip()
    base, query = url.rsplit("/", 1)[0], "?sslmode=disable"
    databases = []

    def fresh():
        db = f"floor_{len(databases)}_{os.getpid()}"
        run(["psql", "-X", "-q", "-d", url, "-c", f'CREATE DATABASE "{db}"'])
        databases.append(db)
        return f"{base}/{db}{query}"

    def floor_with_database():
        db = f"floorcd_{len(databases)}_{os.getpid()}"
        start = time.perf_counter()
        run(["psql", "-X", "-q", "-d", url, "-c", f'CREATE DATABASE "{db}"'])
        databases.append(db)
        run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", f"{base}/{db}{query}", "-f", script])
        run(["psql", "-X", "-q", "-d", url, "-c", f'DROP DATABASE "{db}"'])
        return time.perf_counter() - start

    labels = {
        "floor": "psql floor (Up, Down, Up per migration)",
        "floor_db": "psql floor + CREATE/DROP DATABASE",
        "dev": "skein verify --dev-url (running server)",
        "data": "skein verify --dev-url --data",
        "cluster": "skein verify (own throwaway cluster)",
    }
    results = {key: [] for key in labels}
    try:
        for _ in range(args.runs):
            results["floor"].append(timed(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", fresh(), "-f", script]))
            results["floor_db"].append(floor_with_database())
            results["dev"].append(timed([skein, "verify", "--dir", goose_dir, "--dev-url", url, "--format", "json"]))
            results["data"].append(
                timed([skein, "verify", "--dir", goose_dir, "--dev-url", url, "--data", "--format", "json"]))
            results["cluster"].append(timed([skein, "verify", "--dir", goose_dir, "--format", "json"]))
    finally:
        for db in databases:
            subprocess.run(["psql", "-X", "-q", "-d", url, "-c", f'DROP DATABASE IF EXISTS "{db}"'],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        subprocess.run([skein, "sandbox", "stop", "--name", name], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    floor = statistics.median(results["floor"])
    floor_db = statistics.median(results["floor_db"])
    print(f"{args.n} migrations (gen_migrations.py --seed 42), median of {args.runs} runs")
    print(f"{'':<44}{'wall':>10}{'× floor':>10}{'× floor+db':>12}")
    for key, label in labels.items():
        value = statistics.median(results[key])
        print(f"{label:<44}{value:>9.2f}s{value / floor:>9.2f}×{value / floor_db:>11.2f}×")
    cluster_cost = statistics.median(results["cluster"]) - statistics.median(results["dev"])
    print(f"starting and removing the throwaway cluster adds {cluster_cost:.2f}s")


if __name__ == "__main__":
    main()

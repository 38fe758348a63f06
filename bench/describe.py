#!/usr/bin/env python3
"""Describe benchmark: how long QueryDescriber (libpq PQprepare + PQdescribePrepared, then one catalog query per
batch) takes for the 1000 queries of ../shared/bench/gen_queries.py (-t 200 -m 1000 --seed 7), against its schema
applied to a database of a running `skein sandbox`.

    python3 bench/describe.py [--runs 3] [--url postgres://…]   # after `swift build --build-tests`

This is a measurement, not product code: the queries' sqlc macros (sqlc.arg(x), sqlc.narg(x), sqlc.slice(x), @x)
are replaced by $n with a crude regular expression, numbered by first appearance — the real query-file parser is
SkeinCodegen's. The timing itself runs inside the test binary (Tests/SkeinCodegenTests/DescribeBenchmark.swift,
enabled only by the variables this script sets), so it is a debug build. Peer: sqlc 1.31.1 generates the whole
project in ~0.5 s (0.47 s of it analysis), measured on this machine.
"""
import argparse, glob, json, os, re, statistics, subprocess, sys, tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MACRO = re.compile(r"sqlc\.(?:arg|narg|slice)\(\s*([A-Za-z_][A-Za-z0-9_]*)\s*\)|(?<![@\w])@([A-Za-z_][A-Za-z0-9_]*)")


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)


def statements(queries_dir):
    """Every `-- name:` query with its macros replaced by $n (same name, same number)."""
    result = []
    for path in sorted(glob.glob(os.path.join(queries_dir, "*.sql"))):
        for block in re.split(r"^-- name: .*$", open(path).read(), flags=re.M)[1:]:
            numbers = {}

            def number(match):
                name = match.group(1) or match.group(2)
                numbers.setdefault(name, len(numbers) + 1)
                return f"${numbers[name]}"

            sql = MACRO.sub(number, block).strip().rstrip(";")
            if sql:
                result.append(sql)
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--url", help="a server to use instead of `skein sandbox start --name describe-bench`")
    parser.add_argument("--skein", default=os.path.join(ROOT, ".build/debug/skein"))
    parser.add_argument("--shared", default=os.environ.get("SKEIN_SHARED_DIR", os.path.join(os.path.dirname(ROOT), "shared")))
    args = parser.parse_args()

    work = tempfile.mkdtemp(prefix="skein-describe-bench-")
    run([sys.executable, os.path.join(args.shared, "bench/gen_queries.py"), "-t", "200", "-m", "1000", "--seed", "7", "--out", work])
    sqls = statements(os.path.join(work, "queries"))
    with open(os.path.join(work, "statements.json"), "w") as out:
        json.dump(sqls, out)

    started_sandbox = args.url is None
    url = args.url or run([args.skein, "sandbox", "start", "--name", "describe-bench"]).stdout.strip().splitlines()[-1]
    try:
        # A new database per run, under a new name (see ../shared/bench/README.md).
        name = "describe_bench_" + os.urandom(4).hex()
        run(["psql", url, "-v", "ON_ERROR_STOP=1", "-qc", f"CREATE DATABASE {name}"])
        database_url = re.sub(r"/[^/?]*(\?|$)", f"/{name}\\1", url.split("://", 1)[1], count=1)
        database_url = url.split("://", 1)[0] + "://" + database_url
        run(["psql", database_url, "-v", "ON_ERROR_STOP=1", "-qf", os.path.join(work, "schema.sql")])
        env = dict(os.environ, SKEIN_DESCRIBE_BENCH=os.path.join(work, "statements.json"), SKEIN_DESCRIBE_BENCH_URL=database_url)
        lines = []
        for _ in range(args.runs):
            output = subprocess.run(
                ["swift", "test", "--skip-build", "--filter", "DescribeBenchmark"], cwd=ROOT, env=env,
                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True).stdout
            found = [line for line in output.splitlines() if line.startswith("describe-bench ")]
            if not found or "✘" in output:
                sys.exit(output[-4000:])
            lines.append(dict(item.split("=") for item in found[0].split()[1:]))
        figures = {key: statistics.median(float(line[key]) for line in lines) for key in ("connect", "batched", "one_by_one")}
        count = int(lines[0]["queries"])
        print(f"queries: {count} (rejected {lines[0]['rejected']}, result columns {lines[0]['columns']}); median of {args.runs} runs")
        print(f"connect:              {figures['connect'] * 1000:.1f} ms")
        print(f"describe, batched:    {figures['batched']:.3f} s  ({figures['batched'] / count * 1e6:.0f} µs/query, {lines[0]['round_trips']} round trips)")
        print(f"describe, one by one: {figures['one_by_one']:.3f} s  ({figures['one_by_one'] / count * 1e6:.0f} µs/query, {2 * count} round trips)")
        run(["psql", url, "-qc", f"DROP DATABASE {name}"])
    finally:
        if started_sandbox:
            subprocess.run([args.skein, "sandbox", "stop", "--name", "describe-bench"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Records what every skein command prints on examples/agentflow, text and JSON, on a throwaway PostgreSQL.

Used around a refactoring that must not change behaviour: record before, record after, and diff the two folders.
Times, durations, run ids, ports, hosts, users, database sizes and temporary paths are replaced by placeholders so
that two recordings of the same behaviour are byte-identical.

Usage: scripts/record-behaviour.py OUT_DIR        (SKEIN_BINARY overrides .build/debug/skein)
Then:  diff -r BEFORE_DIR AFTER_DIR
"""

import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BINARY = Path(os.environ.get("SKEIN_BINARY") or ROOT / ".build" / "debug" / "skein").resolve()
EXAMPLE = ROOT / "examples" / "agentflow"

if len(sys.argv) != 2:
    sys.exit(__doc__)
OUT = Path(sys.argv[1]).resolve()
shutil.rmtree(OUT, ignore_errors=True)
OUT.mkdir(parents=True)
WORK = Path(tempfile.mkdtemp(prefix="skein-record-"))
SANDBOX = f"record{os.getpid()}"

PATTERNS = [
    (re.compile(r"\d{4}/\d{2}/\d{2} \d{2}:\d{2}:\d{2} "), "<log-time> "),
    (re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})"), "<iso-time>"),
    (re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d+)?( ?[A-Z]{2,5}|[+-]\d{2})?"), "<time>"),
    (re.compile(r"(Mon|Tue|Wed|Thu|Fri|Sat|Sun) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [ \d]\d \d{2}:\d{2}:\d{2} \d{4}"), "<ansic-time>"),
    (re.compile(r"\b\d+(\.\d+)?(ns|µs|us|ms|s)\b"), "<duration>"),
    (re.compile(r"\b\d+m\d+(\.\d+)?s\b"), "<duration>"),
    (re.compile(r"\d+\.\d{3}s\b"), "<duration>"),
    (re.compile(r"\b\d+(\.\d+)? (s|ms)\b"), "<duration>"),
    (re.compile(r'\b(cx|cy|x|y|x1|x2|y1|y2|width|height)="[0-9.]+"'), r'\1="<n>"'),
    (re.compile(r'd="M[^"]*"'), 'd="<path>"'),
    (re.compile(r'points="[^"]*"'), 'points="<points>"'),
    (re.compile(r"\b20\d{12}_add_user_roles"), "<timestamp>_add_user_roles"),
    (re.compile(r'"(durationSeconds|duration_seconds|seconds|durationMs|elapsedSeconds)":\s*[0-9.e-]+'), r'"\1":<n>'),
    (re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"), "<uuid>"),
    (re.compile(r"port[= ]\d+"), "port=<port>"),
    (re.compile(r"127\.0\.0\.1:\d+"), "127.0.0.1:<port>"),
    (re.compile(r"localhost:\d+"), "localhost:<port>"),
    (re.compile(r"skein_(verify|generate)_\d+_\d+"), r"skein_\1_<n>"),
    (re.compile(r"\b(pid|PID) \d+"), r"\1 <pid>"),
    (re.compile(r'"(databaseSizeBefore|databaseSizeAfter|sizeBefore|sizeAfter|id|pid)":\s*\d+'), r'"\1":<n>'),
    (re.compile(r"database size \d+ → \d+ bytes \([+-]?\d+\)"), "database size <n> → <n> bytes (<n>)"),
    (re.compile(r"(skein_[a-z_]+|pg_database_size)\{[^}]*\} [0-9.e+-]+"), r"\1{…} <n>"),
    (re.compile(r"^(skein_[a-z_]+(\{[^}]*\})?) [0-9.e+-]+$", re.M), r"\1 <n>"),
]


def normalise(text):
    text = text.replace(str(WORK), "<work>").replace(str(ROOT), "<root>")
    text = text.replace(socket.gethostname(), "<host>")
    for user in {os.environ.get("USER", ""), "root"} - {""}:
        text = re.sub(rf"\b{re.escape(user)}@", "<user>@", text)
    text = re.sub(r"/tmp/[A-Za-z0-9._/-]+", "<tmp>", text)
    text = re.sub(r"/dev/shm/[A-Za-z0-9._/-]+", "<tmp>", text)
    for pattern, replacement in PATTERNS:
        text = pattern.sub(replacement, text)
    return text


counter = 0


def record(name, argv, env=None, cwd=None, stdin=None):
    global counter
    counter += 1
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("PG", "GOOSE_", "DATABASE_URL"))}
    environment["SKEIN_SANDBOX_TEMPLATE"] = environment.get("SKEIN_SANDBOX_TEMPLATE", "on")
    environment.update(env or {})
    result = subprocess.run(
        [str(BINARY), *argv], cwd=cwd or WORK, env=environment, capture_output=True, text=True, input=stdin
    )
    shown = " ".join(a if " " not in a else repr(a) for a in argv)
    body = (
        f"$ skein {normalise(shown)}\n"
        f"exit {result.returncode}\n"
        f"--- stdout\n{normalise(result.stdout)}"
        f"--- stderr\n{normalise(result.stderr)}"
    )
    (OUT / f"{counter:03d}-{name}.txt").write_text(body)
    return result


def main():
    migrations = WORK / "migrations"
    shutil.copytree(EXAMPLE / "migrations", migrations)
    shutil.copy(EXAMPLE / "sqlc.yaml", WORK / "sqlc.yaml")
    shutil.copytree(EXAMPLE / "queries", WORK / "queries")
    shutil.copytree(EXAMPLE / "Generated", WORK / "Generated")
    started = subprocess.run(
        [str(BINARY), "sandbox", "start", "--name", SANDBOX], capture_output=True, text=True, check=True
    )
    url = started.stdout.strip()
    try:
        files = sorted(p.name for p in migrations.iterdir())
        record("help", ["--help"])
        record("version-flag", ["--version"])
        for command in ["up", "status", "history", "lint", "verify", "generate", "inspect", "validate", "metrics",
                        "report", "repair", "create", "approve", "sandbox", "env", "version", "down-to"]:
            record(f"help-{command}", [command, "--help"])
        record("goose-usage", ["-h"])
        record("inspect", ["inspect", f"migrations/{files[-1]}"])
        record("inspect-json", ["inspect", "--format", "json", f"migrations/{files[-1]}"])
        record("validate", ["validate", "--dir", "migrations"])
        record("validate-json", ["validate", "--dir", "migrations", "--format", "json"])
        record("validate-goose", ["-dir", "migrations", "validate"])
        for fmt in ["text", "json", "sarif", "github"]:
            record(f"lint-{fmt}", ["lint", "migrations", "--format", fmt])
        record("verify", ["verify", "--dir", "migrations", "--dev-url", url])
        record("verify-json", ["verify", "--dir", "migrations", "--dev-url", url, "--format", "json"])
        record("generate-check", ["generate", "--check", "-f", "sqlc.yaml", "--dev-url", url])
        record("generate-dry-json", ["generate", "--dry-run", "--format", "json", "-f", "sqlc.yaml", "--dev-url", url])
        record("env", ["env", "--database-url", url])
        record("status-fresh", ["status", "--dir", "migrations", "--database-url", url])
        record("dry-run", ["up", "--dir", "migrations", "--database-url", url, "--dry-run"])
        record("up-to", ["up-to", "20240122141500", "--dir", "migrations", "--database-url", url])
        record("up", ["up", "--dir", "migrations", "--database-url", url])
        record("up-again", ["up", "--dir", "migrations", "--database-url", url])
        record("status", ["status", "--dir", "migrations", "--database-url", url])
        record("status-json", ["status", "--dir", "migrations", "--database-url", url, "--format", "json"])
        record("version", ["version", "--dir", "migrations", "--database-url", url])
        record("redo", ["redo", "--dir", "migrations", "--database-url", url])
        record("down", ["down", "--dir", "migrations", "--database-url", url])
        record("down-to", ["down-to", "20240122141500", "--dir", "migrations", "--database-url", url])
        record("goose-up", ["-dir", "migrations", "postgres", url, "up"])
        record("goose-status", ["-dir", "migrations", "postgres", url, "status"])
        record("goose-version", ["-dir", "migrations", "postgres", url, "version"])
        record("goose-down", ["-dir", "migrations", "postgres", url, "down"])
        record("goose-up-by-one", ["-dir", "migrations", "postgres", url, "up-by-one"])
        record("goose-redo", ["-dir", "migrations", "postgres", url, "redo"])
        record("goose-env", ["-dir", "migrations", "postgres", url, "env"], env={"GOOSE_DBSTRING": url})
        record("repair-not-dirty", ["repair", "20240101120000", "--applied", "--dir", "migrations", "--database-url", url])
        # A failing migration: the failure text, then history and metrics of it.
        (migrations / "20990101000000_broken.sql").write_text(
            "-- +goose Up\nCREATE TABLE broken_one (id int);\nSELEC 1;\n-- +goose Down\nDROP TABLE broken_one;\n"
        )
        record("up-failing", ["up", "--dir", "migrations", "--database-url", url])
        record("goose-up-failing", ["-dir", "migrations", "postgres", url, "up"])
        (migrations / "20990101000000_broken.sql").unlink()
        record("history", ["history", "--database-url", url])
        record("history-json", ["history", "--database-url", url, "--format", "json"])
        record("metrics", ["metrics", "--database-url", url])
        record("metrics-json", ["metrics", "--database-url", url, "--format", "json"])
        report = WORK / "report.html"
        record("report", ["report", "--html", str(report), "--database-url", url])
        (OUT / f"{counter:03d}-report.html").write_text(normalise(report.read_text()) if report.exists() else "")
        record("reset", ["reset", "--dir", "migrations", "--database-url", url])
        record("create", ["create", "add_user_roles", "sql", "--dir", "created"])
        record("create-bad-name", ["create", "UserRoles", "sql", "--dir", "created"])
        record("usage-error", ["up", "--frobnicate"])
        record("unknown-command", ["frobnicate"])
        record("goose-unknown-command", ["-dir", "migrations", "postgres", url, "stauts"])
        record("bad-url", ["status", "--dir", "migrations", "--database-url", "postgres://127.0.0.1:1/nosuch"])
    finally:
        subprocess.run([str(BINARY), "sandbox", "stop", "--name", SANDBOX], capture_output=True)
        shutil.rmtree(WORK, ignore_errors=True)
    print(f"recorded {counter} commands in {OUT}")


main()

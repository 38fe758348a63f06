#!/usr/bin/env python3
"""Checks skein's JSON output and skein.yaml against the JSON Schemas in docs/schemas/.

- `skein inspect --format json` on every file of examples/agentflow/migrations and on deliberately
  broken files: every line must match docs/schemas/inspect.schema.json.
- `skein validate --format json` on examples/agentflow/migrations and on a directory with bad files
  (duplicate version, missing semicolon, bad name): must match docs/schemas/validate.schema.json.
- A sample skein.yaml must match docs/schemas/skein.schema.json, and configurations skein rejects
  (unknown key, bad policy) must be rejected by the schema too.
- `skein verify --format json` on a sandbox (`--dev-url`): docs/schemas/verify.schema.json.
- `skein metrics --format json` on a sandbox after an up with a failure and a down:
  docs/schemas/metrics.schema.json.
- `skein generate --dry-run --format json` on Tests/GeneratedCodeTests/Fixture: docs/schemas/generate.schema.json.
- `skein check-queries --format json` on a copy of examples/agentflow with a breaking migration:
  docs/schemas/check-queries.schema.json.
- `--format sarif` of lint (a directory whose name has a space and a `#`), verify --locks and check-queries:
  docs/schemas/sarif.schema.json (SARIF 2.1.0's rules for the objects Skein writes).
- Each schema must reject a few deliberately wrong documents, so a schema that accepts anything fails.

Usage: scripts/check-json-schemas.py   (SKEIN_BINARY overrides .build/debug/skein)
Needs the `jsonschema` and `PyYAML` packages. Exits 1 on the first mismatch.
"""

import copy
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

try:
    import jsonschema
    import yaml
except ImportError as error:
    sys.exit(f"check-json-schemas: {error}; install it with `pip install jsonschema pyyaml`")

ROOT = Path(__file__).resolve().parent.parent
SCHEMAS = ROOT / "docs" / "schemas"
EXAMPLES = Path("examples") / "agentflow" / "migrations"
BINARY = Path(os.environ.get("SKEIN_BINARY") or ROOT / ".build" / "debug" / "skein")
if not BINARY.is_absolute() and os.sep in str(BINARY):
    BINARY = (ROOT / BINARY).resolve()

checks = 0


def fail(message):
    print(f"check-json-schemas: FAIL: {message}", file=sys.stderr)
    sys.exit(1)


def passed():
    global checks
    checks += 1


def load_validator(name):
    path = SCHEMAS / name
    try:
        schema = json.loads(path.read_text())
    except (OSError, ValueError) as error:
        fail(f"{path.relative_to(ROOT)}: cannot be read as JSON: {error}")
    try:
        jsonschema.Draft202012Validator.check_schema(schema)
    except jsonschema.SchemaError as error:
        fail(f"{path.relative_to(ROOT)} is not a valid draft 2020-12 schema: {error.message}")
    passed()
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())


def expect_valid(validator, instance, what):
    errors = sorted(validator.iter_errors(instance), key=lambda e: list(e.absolute_path))
    if errors:
        details = "\n".join(
            f"  at /{'/'.join(str(p) for p in e.absolute_path)}: {e.message}" for e in errors[:10]
        )
        fail(f"{what} does not match {validator.schema.get('title')}:\n{details}\n  document: {json.dumps(instance)[:2000]}")
    passed()


def expect_invalid(validator, instance, what):
    if validator.is_valid(instance):
        fail(f"{validator.schema.get('title')} accepts {what}, which it must reject: {json.dumps(instance)[:500]}")
    passed()


def run(args, expect_status, what):
    env = {k: v for k, v in os.environ.items() if k != "GOOSE_MIGRATION_DIR"}
    try:
        result = subprocess.run([str(BINARY), *args], cwd=ROOT, env=env, capture_output=True, text=True)
    except OSError as error:
        fail(f"cannot run {BINARY}: {error} (build it with `swift build` or set SKEIN_BINARY)")
    if result.returncode != expect_status:
        fail(
            f"{what}: `skein {' '.join(args)}` exited {result.returncode}, expected {expect_status}\n"
            f"  stdout: {result.stdout[:1000]}\n  stderr: {result.stderr[:1000]}"
        )
    passed()
    return result


def parse_json(text, what):
    try:
        return json.loads(text)
    except ValueError as error:
        fail(f"{what} is not JSON ({error}): {text[:500]!r}")


# ---------------------------------------------------------------- inspect

def check_inspect(validator, tmp):
    example_files = sorted(str(p.relative_to(ROOT)) for p in (ROOT / EXAMPLES).iterdir() if p.is_file())
    if not example_files:
        fail(f"{EXAMPLES} has no files")
    broken = {
        # A goose name, but Up's statement has no semicolon: up is null, upError set, checksums.up absent.
        "20240101000000_create_broken.sql": "-- +goose Up\nCREATE TABLE broken (id int)\n-- +goose Down\nDROP TABLE broken;\n",
        # Not a goose migration name and no annotations: version/description/useTx null.
        "notes.sql": "hello, this is not a migration\n",
        # A StatementBegin that never ends: both directions fail.
        "20240101000001_create_unclosed.sql": "-- +goose Up\n-- +goose StatementBegin\nSELECT 1;\n",
        # CRLF line endings and NO TRANSACTION: parses, useTx false.
        "20240101000002_create_crlf.sql": "-- +goose NO TRANSACTION\r\n-- +goose Up\r\nCREATE INDEX CONCURRENTLY i ON t (c);\r\n-- +goose Down\r\nDROP INDEX i;\r\n",
    }
    broken_paths = []
    for name, text in broken.items():
        path = tmp / "inspect" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode())
        broken_paths.append(str(path))

    lines = []
    good = run(["inspect", "--format", "json", *example_files], 0, "inspect on the examples")
    lines += [(line, "examples") for line in good.stdout.splitlines()]
    if len(good.stdout.splitlines()) != len(example_files):
        fail(f"inspect printed {len(good.stdout.splitlines())} lines for {len(example_files)} example files")
    passed()
    bad = run(["inspect", "--format", "json", *broken_paths], 1, "inspect on broken files")
    lines += [(line, "broken files") for line in bad.stdout.splitlines()]
    if len(bad.stdout.splitlines()) != len(broken_paths):
        fail(f"inspect printed {len(bad.stdout.splitlines())} lines for {len(broken_paths)} broken files")
    passed()

    documents = []
    for line, origin in lines:
        document = parse_json(line, f"an inspect line ({origin})")
        expect_valid(validator, document, f"inspect output for {document.get('file')}")
        documents.append(document)

    # The broken files really exercise the null branches.
    by_name = {Path(d["file"]).name: d for d in documents}
    semicolon = by_name["20240101000000_create_broken.sql"]
    if semicolon["up"] is not None or not semicolon["upError"] or semicolon["checksums"].get("up") is not None:
        fail(f"expected null up / upError for the missing semicolon: {semicolon}")
    if by_name["notes.sql"]["version"] is not None or by_name["notes.sql"]["description"] is not None:
        fail(f"expected null version/description for notes.sql: {by_name['notes.sql']}")
    if by_name["20240101000002_create_crlf.sql"]["useTx"] is not False:
        fail(f"expected useTx false for NO TRANSACTION: {by_name['20240101000002_create_crlf.sql']}")
    passed()

    # The schema is not vacuous: each mutation of a real line must be rejected.
    sample = documents[0]
    mutations = {
        "a missing key": lambda d: d.pop("useTx"),
        "an unknown top-level key": lambda d: d.update(extra=1),
        "version 0": lambda d: d.update(version=0),
        "a string version": lambda d: d.update(version="20240101120000"),
        "an uppercase checksum": lambda d: d.update(checksum=d["checksum"].upper()),
        "a short checksum": lambda d: d.update(checksum="abc123"),
        "checksums without file": lambda d: d["checksums"].pop("file"),
        "a null checksums.file": lambda d: d["checksums"].update(file=None),
        "a statement at line 0": lambda d: d.update(up=[{"line": 0, "sql": "SELECT 1;"}]),
        "a statement without sql": lambda d: d.update(up=[{"line": 1}]),
        "a string useTx": lambda d: d.update(useTx="true"),
    }
    for what, mutate in mutations.items():
        document = copy.deepcopy(sample)
        mutate(document)
        expect_invalid(validator, document, what)


# ---------------------------------------------------------------- validate

def check_validate(validator, tmp):
    good = run(["validate", "--format", "json", "--dir", str(EXAMPLES)], 0, "validate on the examples")
    report = parse_json(good.stdout, "validate output for the examples")
    expect_valid(validator, report, "validate output for the examples")
    if report["errors"] != 0 or report["migrations"] == 0:
        fail(f"expected a clean report with migrations for {EXAMPLES}: {report}")
    passed()

    bad_dir = tmp / "validate"
    bad_dir.mkdir()
    files = {
        "20240101000000_create_a.sql": "-- +goose Up\nSELECT 1;\n-- +goose Down\nSELECT 2;\n",
        "20240101000000_create_b.sql": "-- +goose Up\nSELECT 1;\n-- +goose Down\nSELECT 2;\n",  # duplicate version
        "20240102000000_create_c.sql": "-- +goose Up\nCREATE TABLE c (id int)\n-- +goose Down\nDROP TABLE c;\n",  # no semicolon
        "notes.sql": "not a migration\n",  # bad name
        "1_x.sql": "-- +goose Up\nSELECT 1;\n",  # goose name, against the policy
    }
    for name, text in files.items():
        (bad_dir / name).write_text(text)

    for extra in ([], ["--goose"]):
        bad = run(["validate", "--format", "json", "--dir", str(bad_dir), *extra], 1, f"validate {' '.join(extra)} on bad files")
        report = parse_json(bad.stdout, "validate output for bad files")
        expect_valid(validator, report, f"validate {' '.join(extra)} output for bad files")
        codes = {f["code"] for f in report["findings"]}
        for code in ("duplicate-version", "goose-missing-semicolon", "invalid-migration-name"):
            if code not in codes:
                fail(f"expected a {code} finding for {bad_dir}, got {sorted(codes)}")
        if report["errors"] != sum(f["severity"] == "error" for f in report["findings"]):
            fail(f"errors {report['errors']} does not count the error findings: {report}")
        if report["warnings"] != sum(f["severity"] == "warning" for f in report["findings"]):
            fail(f"warnings {report['warnings']} does not count the warning findings: {report}")
        passed()

    finding = copy.deepcopy(report["findings"][0])
    base = {"schemaVersion": 1, "directory": ".", "migrations": 1, "errors": 1, "warnings": 0, "findings": [finding]}
    mutations = {
        "schemaVersion 2": lambda d: d.update(schemaVersion=2),
        "a missing findings key": lambda d: d.pop("findings"),
        "an unknown top-level key": lambda d: d.update(extra=True),
        "a negative error count": lambda d: d.update(errors=-1),
        "severity fatal": lambda d: d["findings"][0].update(severity="fatal"),
        "a camelCase code": lambda d: d["findings"][0].update(code="duplicateVersion"),
        "a code with a trailing dash": lambda d: d["findings"][0].update(code="duplicate-"),
        "line 0": lambda d: d["findings"][0].update(line=0),
        "column 0": lambda d: d["findings"][0].update(column=0),
        "a finding without help": lambda d: d["findings"][0].pop("help"),
        "an unknown finding key": lambda d: d["findings"][0].update(hint="x"),
    }
    expect_valid(validator, base, "a hand-made validate report")
    for what, mutate in mutations.items():
        document = copy.deepcopy(base)
        mutate(document)
        expect_invalid(validator, document, what)


# ---------------------------------------------------------------- skein.yaml

def check_config(validator, tmp):
    def config(text, name):
        path = tmp / name
        path.write_text(text)
        return path, yaml.safe_load(text)

    sample_text = (
        "# skein.yaml\n"
        "migrations-dir: examples/agentflow/migrations\n"
        "version-table: goose_db_version\n"
        "policy: warn\n"
        "lock-timeout: 5s\n"
        "statement-timeout: 1h13m\n"
        "lock-wait: 0\n"
        "warn-after: 500ms\n"
        "backup-dir: backups\n"
        "gates:\n"
        "  modified: refuse\n"
        "  destructive: warn\n"
        "lint:\n"
        "  rules:\n"
        "    require-concurrent-index-creation: info\n"
        "    up-create-if-not-exists: off\n"
        "  exclude: [examples/legacy]\n"
        "  baseline: 20240101120000\n"
        "version: \"2\"\n"
        "sql:\n"
        "  - engine: postgresql\n"
        "    schema: examples/agentflow/migrations\n"
        "    queries: [queries]\n"
        "    gen:\n"
        "      swift:\n"
        "        out: Sources/DB\n"
        "        access_level: package\n"
        "        emit_codable: true\n"
        "        overrides: [{db_type: interval, swift_type: Duration}, {column: users.email, swift_type: Email}]\n"
    )
    path, sample = config(sample_text, "skein.yaml")
    expect_valid(validator, sample, "the sample skein.yaml")
    # Skein itself accepts the same file.
    run(["validate", "--format", "json", "--config", str(path)], 0, "validate with the sample skein.yaml")
    run(["lint", "--format", "json", "--config", str(path)], 0, "lint with the sample skein.yaml")

    for text, name in (("policy: enforce\n", "policy-only.yaml"), ("{}\n", "empty.yaml")):
        _, document = config(text, name)
        expect_valid(validator, document, f"skein.yaml `{text.strip()}`")

    rejected = {
        "unknown-key.yaml": "migrations-dir: migrations\nmigration-dir: typo\n",
        "bad-policy.yaml": "policy: strict\n",
        "list-dir.yaml": "migrations-dir:\n  - a\n  - b\n",
        "bad-lint-severity.yaml": "lint:\n  rules:\n    syntax-error: fatal\n",
        "bad-duration.yaml": "lock-timeout: 5 seconds\n",
        "bad-gate.yaml": "gates:\n  modified: ignore\n",
    }
    for name, text in rejected.items():
        path, document = config(text, name)
        expect_invalid(validator, document, f"the skein.yaml in {name}")
        # Skein rejects it too, so schema and binary agree.
        result = run(["validate", "--config", str(path), "--dir", str(EXAMPLES)], 1, f"validate with {name}")
        if name == "unknown-key.yaml" and "unknown key" not in result.stderr:
            fail(f"expected skein to report the unknown key, got: {result.stderr}")
    expect_invalid(validator, ["migrations-dir", "migrations"], "a list instead of a mapping")


# ---------------------------------------------------------------- lint

def check_lint(validator, tmp):
    migrations = tmp / "lint-migrations"
    migrations.mkdir()
    (migrations / "20240101120000_drop_legacy_column.sql").write_text(
        "-- +goose Up\nALTER TABLE users DROP COLUMN legacy;\nCREATE INDEX i ON users (a);\n-- +goose Down\nSELECT 1;\n")
    (migrations / "20240101130000_add_broken.sql").write_text("-- +goose Up\nSELEC 1;\n-- +goose Down\nSELECT 1;\n")
    result = run(["lint", "--format", "json", str(migrations)], 1, "lint with findings")
    report = parse_json(result.stdout, "lint --format json")
    expect_valid(validator, report, "lint --format json")
    rules = {finding["rule"] for finding in report["findings"]}
    for expected in ("destructive-requires-header", "destructive-requires-approval", "syntax-error"):
        if expected not in rules:
            fail(f"lint --format json lacks a {expected} finding: {sorted(rules)}")
    passed()
    clean = run(["lint", "--format", "json", str(EXAMPLES)], 0, "lint of the examples")
    expect_valid(validator, parse_json(clean.stdout, "lint of the examples"), "lint of the examples")
    expect_invalid(validator, {"schemaVersion": 1, "findings": [{"rule": "x", "severity": "fatal"}]},
                   "a finding with an unknown severity")


# ---------------------------------------------------------------- sarif

SARIF_CHECKS = []  # (what, document) collected by the checks that run a command with --format sarif


def check_sarif(validator, tmp):
    """lint --format sarif on files whose directory name needs percent-encoding, and every SARIF collected."""
    migrations = tmp / "sarif migrations #1"
    migrations.mkdir()
    (migrations / "20240101120000_drop_legacy_column.sql").write_text(
        "-- +goose Up\nALTER TABLE users DROP COLUMN legacy;\n-- +goose Down\nSELECT 1;\n")
    (migrations / "20240101130000_add_broken.sql").write_text("-- +goose Up\nSELEC 1;\n-- +goose Down\nSELECT 1;\n")
    result = run(["lint", "--format", "sarif", str(migrations)], 1, "lint --format sarif")
    log = parse_json(result.stdout, "lint --format sarif")
    expect_valid(validator, log, "lint --format sarif")
    uris = {location["physicalLocation"]["artifactLocation"]["uri"]
            for result in log["runs"][0]["results"] for location in result.get("locations", [])}
    if not uris or not all("sarif%20migrations%20%231/" in uri for uri in uris):
        fail(f"lint --format sarif: paths are not percent-encoded URIs: {sorted(uris)}")
    passed()
    for what, document in SARIF_CHECKS:
        expect_valid(validator, document, what)
    mutations = {
        "a level SARIF does not define": lambda d: d["runs"][0]["results"][0].update(level="fatal"),
        "a result without a message": lambda d: d["runs"][0]["results"][0].pop("message"),
        "a property outside a property bag": lambda d: d["runs"][0]["results"][0].update(file="x.sql"),
        "line 0": lambda d: d["runs"][0]["results"][0]["locations"][0]["physicalLocation"].update(
            region={"startLine": 0}),
        "a path with a space": lambda d: d["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
        ["artifactLocation"].update(uri="a b.sql"),
        "another SARIF version": lambda d: d.update(version="2.0.0"),
        "a rule without an id": lambda d: d["runs"][0]["tool"]["driver"]["rules"][0].pop("id"),
    }
    for what, mutate in mutations.items():
        document = copy.deepcopy(log)
        mutate(document)
        expect_invalid(validator, document, what)


# ---------------------------------------------------------------- status

def check_status(validator, tmp):
    """status --format json on a real (sandbox) database: applied, dirty, pending and go-migration rows."""
    migrations = tmp / "status-migrations"
    migrations.mkdir()
    (migrations / "00001_a.sql").write_text("-- +goose Up\nCREATE TABLE a (id int);\n-- +goose Down\nDROP TABLE a;\n")
    (migrations / "00002_b.sql").write_text(
        "-- +goose NO TRANSACTION\n-- +goose Up\nCREATE TABLE b (id int);\nSELECT 1/0;\n-- +goose Down\nDROP TABLE b;\n")
    (migrations / "00003_c.sql").write_text("-- +goose Up\nSELECT 1;\n-- +goose Down\nSELECT 1;\n")
    (migrations / "00004_d.go").write_text("package migrations\n")
    name = f"schemas{os.getpid()}"
    url = run(["sandbox", "start", "--name", name], 0, "sandbox start").stdout.strip()
    try:
        run(["up", "--dir", str(migrations), "--database-url", url], 1, "up leaving 00002 dirty")
        result = run(["status", "--format", "json", "--dir", str(migrations), "--database-url", url], 0, "status")
        report = parse_json(result.stdout, "status --format json")
        expect_valid(validator, report, "status --format json")
        states = [row["state"] for row in report["migrations"]]
        if states != ["applied", "dirty", "pending", "go-migration"]:
            fail(f"status states: {states}")
        passed()
        expect_invalid(validator, {"schemaVersion": 1, "migrations": [{"version": 1, "state": "bogus"}]},
                       "a status row with an unknown state")
    finally:
        subprocess.run([str(BINARY), "sandbox", "stop", "--name", name], capture_output=True)


# ---------------------------------------------------------------- verify

def check_verify(validator, tmp):
    """verify --format json with --dev-url on a sandbox: a verified, a failed, a skipped migration, and --data."""
    migrations = tmp / "verify-migrations"
    migrations.mkdir()
    (migrations / "00001_create_users.sql").write_text(
        "-- +goose Up\nCREATE TABLE users (id int, age int);\n-- +goose Down\nDROP TABLE users;\n")
    (migrations / "00002_add_users_age_index.sql").write_text(
        "-- +goose Up\nCREATE INDEX IF NOT EXISTS users_id ON users (id);\nALTER TABLE users ALTER COLUMN age TYPE bigint;\n"
        "-- +goose Down\nALTER TABLE users DROP COLUMN age;\nALTER TABLE users ADD COLUMN age int;\n")
    (migrations / "00003_drop_users.sql").write_text(
        "-- DESTRUCTIVE: drops users\n-- +goose Up\nDROP TABLE users;\n"
        "-- +goose Down\nSELECT 'MANUAL_RECOVERY_REQUIRED';\n")
    name = f"verify{os.getpid()}"
    url = run(["sandbox", "start", "--name", name], 0, "sandbox start").stdout.strip()
    try:
        result = run(["verify", "--format", "json", "--data", "--dir", str(migrations), "--dev-url", url], 1,
                     "verify with a defect")
        report = parse_json(result.stdout, "verify --format json")
        expect_valid(validator, report, "verify --format json")
        outcomes = [entry["outcome"] for entry in report["migrations"]]
        if outcomes != ["verified", "failed", "skipped"]:
            fail(f"verify outcomes: {outcomes}")
        phases = {problem["phase"] for problem in report["migrations"][1]["problems"]}
        if phases != {"down", "data"}:
            fail(f"verify problem phases: {phases}")
        passed()
        expect_invalid(validator, {"schemaVersion": 1, "passed": True, "migrations": [
            {"version": 1, "file": "a", "outcome": "great", "problems": [], "dataNotChecked": []}]},
            "a verdict with an unknown outcome")
        # The lock trace of the same files, on a scratch database of the same sandbox.
        traced = run(["verify", "--locks", "--format", "json", "--dir", str(migrations), "--dev-url", url], 0,
                     "verify --locks")
        trace = parse_json(traced.stdout, "verify --locks --format json")
        locks_validator = load_validator("lock-trace.schema.json")
        expect_valid(locks_validator, trace, "verify --locks --format json")
        alter = trace["migrations"][1]["statements"][1]
        if alter["rewrote"] != ["public.users"] or alter["locks"][0]["mode"] != "ACCESS EXCLUSIVE":
            fail(f"verify --locks: the type change should take ACCESS EXCLUSIVE and rewrite users: {alter}")
        passed()
        sarif = run(["verify", "--locks", "--format", "sarif", "--dir", str(migrations), "--dev-url", url], 0,
                    "verify --locks --format sarif")
        SARIF_CHECKS.append(("verify --locks --format sarif", parse_json(sarif.stdout, "verify --locks sarif")))
        broken = copy.deepcopy(trace)
        broken["migrations"][1]["statements"][1]["locks"][0]["mode"] = "VERY EXCLUSIVE"
        expect_invalid(locks_validator, broken, "a lock with an unknown mode")
    finally:
        subprocess.run([str(BINARY), "sandbox", "stop", "--name", name], capture_output=True)


# ---------------------------------------------------------------- generate

def check_generate(validator, tmp):
    """generate --dry-run --format json on the generated-code fixture (its own throwaway cluster)."""
    result = run(["generate", "-f", "Tests/GeneratedCodeTests/Fixture/skein.yaml", "--dry-run", "--format", "json"], 0,
                 "generate --dry-run")
    report = parse_json(result.stdout, "generate --dry-run --format json")
    expect_valid(validator, report, "generate --dry-run --format json")
    kinds = {query["command"] for query in report["queries"]}
    if len(report["queries"]) < 10 or not {"one", "many", "exec", "copyfrom"} <= kinds:
        fail(f"generate --dry-run: unexpected queries {[q['name'] for q in report['queries']]}")
    passed()
    mutations = {
        "a query without columns": lambda d: d["queries"][0].pop("columns"),
        "an unknown command": lambda d: d["queries"][0].update(command="two"),
        "a field without nullable": lambda d: d["queries"][0]["columns"][0].pop("nullable"),
        "line 0": lambda d: d["queries"][0].update(line=0),
    }
    for what, mutate in mutations.items():
        document = copy.deepcopy(report)
        mutate(document)
        expect_invalid(validator, document, what)


def check_check_queries(validator, tmp):
    """check-queries --format json on a copy of the examples with a migration that breaks a query."""
    project = tmp / "check-queries"
    subprocess.run(["cp", "-r", str(ROOT / "examples" / "agentflow"), str(project)], check=True)
    (project / "migrations" / "20990101000000_drop_users_display_name.sql").write_text(
        "-- +goose Up\nALTER TABLE users DROP COLUMN display_name;\n-- +goose Down\nSELECT 1;\n")
    sarif = run(["check-queries", "-f", str(project / "sqlc.yaml"), "--format", "sarif"], 1,
                "check-queries --format sarif")
    SARIF_CHECKS.append(("check-queries --format sarif", parse_json(sarif.stdout, "check-queries sarif")))
    result = run(["check-queries", "-f", str(project / "sqlc.yaml"), "--format", "json"], 1, "check-queries")
    report = parse_json(result.stdout, "check-queries --format json")
    expect_valid(validator, report, "check-queries --format json")
    codes = {finding["code"] for finding in report["packages"][0]["findings"]}
    if not {"query-broken", "query-changed"} <= codes:
        fail(f"check-queries: expected a broken and a changed query, got {codes}")
    passed()
    mutations = {
        "an unknown code": lambda d: d["packages"][0]["findings"][0].update(code="query-fine"),
        "a finding without a file": lambda d: d["packages"][0]["findings"][0].pop("file"),
        "negative steps": lambda d: d["packages"][0].update(steps=-1),
    }
    for what, mutate in mutations.items():
        document = copy.deepcopy(report)
        mutate(document)
        expect_invalid(validator, document, what)


# ---------------------------------------------------------------- metrics

def check_history(validator, tmp):
    """history --format json on a sandbox after an up that fails at its 2nd file and a repair-free down."""
    migrations = tmp / "history-migrations"
    migrations.mkdir()
    (migrations / "00001_a.sql").write_text("-- +goose Up\nCREATE TABLE a (id int);\n-- +goose Down\nDROP TABLE a;\n")
    (migrations / "00002_b.sql").write_text("-- +goose Up\nSELECT 1/0;\n-- +goose Down\nSELECT 1;\n")
    name = f"history{os.getpid()}"
    url = run(["sandbox", "start", "--name", name], 0, "sandbox start").stdout.strip()
    args = ["--dir", str(migrations), "--database-url", url]
    try:
        run(["up", *args], 1, "up failing at 00002")
        run(["down", *args], 0, "down rolling back 00001")
        report = parse_json(run(["history", "--format", "json", *args[2:]], 0, "history").stdout, "history --format json")
        expect_valid(validator, report, "history --format json")
        actions = [(e["action"], e["outcome"]) for e in report["entries"]]
        if actions != [("migrate", "applied"), ("migrate", "failed"), ("run", "failed"),
                       ("migrate", "rolled-back"), ("run", "rolled-back")]:
            fail(f"history entries: {actions}")
        passed()
        expect_invalid(validator, {"schemaVersion": 1, "entries": [{"action": "migrate", "id": 1, "outcome": "great",
                       "startedAt": "2024-01-15T14:30:22Z", "databaseUser": "u", "skeinVersion": "0"}]},
                       "an entry with an unknown outcome")
        expect_invalid(validator, {"schemaVersion": 1, "entries": [{"action": "migrate", "id": 1, "outcome": "applied",
                       "startedAt": 786000000.5, "databaseUser": "u", "skeinVersion": "0"}]},
                       "a time as a number")
    finally:
        subprocess.run([str(BINARY), "sandbox", "stop", "--name", name], capture_output=True)


def check_metrics(validator, tmp):
    """metrics --format json on a sandbox: before any run (lastRun null), then after up (one failure) and down."""
    migrations = tmp / "metrics-migrations"
    migrations.mkdir()
    (migrations / "00001_a.sql").write_text("-- +goose Up\nCREATE TABLE a (id int);\n-- +goose Down\nDROP TABLE a;\n")
    (migrations / "00002_b.sql").write_text("-- +goose Up\nCREATE TABLE b (id int);\n-- +goose Down\nDROP TABLE b;\n")
    (migrations / "00003_c.sql").write_text("-- +goose Up\nCREATE TABLE a (id int);\n-- +goose Down\nSELECT 1;\n")
    name = f"metrics{os.getpid()}"
    url = run(["sandbox", "start", "--name", name], 0, "sandbox start").stdout.strip()
    args = ["--dir", str(migrations), "--database-url", url]
    try:
        empty = parse_json(run(["metrics", "--format", "json", *args[2:]], 0, "metrics before any run").stdout,
                           "metrics --format json before any run")
        expect_valid(validator, empty, "metrics --format json before any run")
        if empty["lastRun"] is not None or empty["failureRatio"] != 0:
            fail(f"expected no last run and a failure ratio of 0: {empty}")
        passed()
        run(["up", *args], 1, "up failing at 00003")
        run(["down", *args], 0, "down rolling back 00002")
        report = parse_json(run(["metrics", "--format", "json", *args[2:]], 0, "metrics").stdout, "metrics --format json")
        expect_valid(validator, report, "metrics --format json")
        counts = {(c["direction"], c["outcome"]): c["count"] for c in report["migrationCounts"]}
        if counts != {("up", "applied"): 2, ("up", "failed"): 1, ("down", "rolled-back"): 1, ("down", "failed"): 0}:
            fail(f"metrics migrationCounts: {counts}")
        if report["failureRatio"] != 0.25 or report["currentVersion"] != 1 or report["lastRun"]["outcome"] != "rolled-back":
            fail(f"metrics values: {report}")
        passed()
        mutations = {
            "schemaVersion 2": lambda d: d.update(schemaVersion=2),
            "a missing lastRun": lambda d: d.pop("lastRun"),
            "an unknown top-level key": lambda d: d.update(extra=1),
            "a failure ratio above 1": lambda d: d.update(failureRatio=1.5),
            "a sideways direction": lambda d: d["migrationCounts"][0].update(direction="sideways"),
            "a negative count": lambda d: d["runCounts"][0].update(count=-1),
            "a run count with a direction": lambda d: d["runCounts"][0].update(direction="up"),
            "a time without a zone": lambda d: d.update(generatedAt="2024-01-15T14:30:22"),
            "a last run without its size change": lambda d: d["lastRun"].pop("databaseSizeChange"),
            "an attempt without durationSeconds": lambda d: d["latestAttempts"][0].pop("durationSeconds"),
        }
        for what, mutate in mutations.items():
            document = copy.deepcopy(report)
            mutate(document)
            expect_invalid(validator, document, what)
    finally:
        subprocess.run([str(BINARY), "sandbox", "stop", "--name", name], capture_output=True)


def check_fleet(report_validator, status_validator, tmp):
    """fleet up --format json over two databases and an unreachable target, then fleet status --format json."""
    migrations = tmp / "fleet-migrations"
    migrations.mkdir()
    (migrations / "00001_a.sql").write_text("-- +goose Up\nCREATE TABLE a (id int);\n-- +goose Down\nDROP TABLE a;\n")
    name = f"fleet{os.getpid()}"
    url = run(["sandbox", "start", "--name", name], 0, "sandbox start").stdout.strip()
    try:
        for database in ["fleet_a", "fleet_b"]:
            subprocess.run(["psql", "-X", "-q", "-d", url, "-c", f"CREATE DATABASE {database}"], check=True)
        targets = tmp / "targets.yaml"
        targets.write_text("".join(
            f"- name: {database}\n  url: {url.replace('/postgres?', f'/{database}?')}\n  group: g\n"
            for database in ["fleet_a", "fleet_b"]) + "- url: postgres://postgres@127.0.0.1:1/nowhere\n")
        args = ["--targets", str(targets), "--dir", str(migrations), "--format", "json", "--on-error", "continue"]
        report = parse_json(run(["fleet", "up", *args], 1, "fleet up").stdout, "fleet up --format json")
        expect_valid(report_validator, report, "fleet up --format json")
        outcomes = [r["outcome"] for r in report["results"]]
        if outcomes != ["migrated", "migrated", "unreachable"]:
            fail(f"fleet outcomes: {outcomes}")
        passed()
        expect_invalid(report_validator, {**report, "results": [{**report["results"][0], "outcome": "great"}]},
                       "a result with an unknown outcome")
        status = parse_json(run(["fleet", "status", *args[:-2]], 1, "fleet status").stdout, "fleet status --format json")
        expect_valid(status_validator, status, "fleet status --format json")
        if [t.get("version") for t in status["targets"]] != [1, 1, None]:
            fail(f"fleet status versions: {status['targets']}")
        passed()
    finally:
        subprocess.run([str(BINARY), "sandbox", "stop", "--name", name], capture_output=True)


def main():
    if not (BINARY.exists() and os.access(BINARY, os.X_OK)):
        fail(f"{BINARY} is not an executable; build it with `swift build` or set SKEIN_BINARY")
    inspect = load_validator("inspect.schema.json")
    validate = load_validator("validate.schema.json")
    config = load_validator("skein.schema.json")
    status = load_validator("status.schema.json")
    lint = load_validator("lint.schema.json")
    verify = load_validator("verify.schema.json")
    history = load_validator("history.schema.json")
    metrics = load_validator("metrics.schema.json")
    generate = load_validator("generate.schema.json")
    check_queries = load_validator("check-queries.schema.json")
    fleet_report = load_validator("fleet-report.schema.json")
    fleet_status = load_validator("fleet-status.schema.json")
    sarif = load_validator("sarif.schema.json")
    with tempfile.TemporaryDirectory(prefix="skein-schemas-") as directory:
        tmp = Path(directory)
        check_inspect(inspect, tmp)
        check_validate(validate, tmp)
        check_config(config, tmp)
        check_status(status, tmp)
        check_lint(lint, tmp)
        check_verify(verify, tmp)
        check_history(history, tmp)
        check_metrics(metrics, tmp)
        check_generate(generate, tmp)
        check_check_queries(check_queries, tmp)
        check_fleet(fleet_report, fleet_status, tmp)
        check_sarif(sarif, tmp)
    print(f"json schemas: {checks} checks passed")


if __name__ == "__main__":
    main()

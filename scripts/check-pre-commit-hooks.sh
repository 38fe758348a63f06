#!/usr/bin/env bash
# Runs Skein's .pre-commit-hooks.yaml with the real pre-commit (PyPI) on a scratch repository: a copy of
# examples/agentflow whose history is its migrations, then a commit that adds one migration.
#
# Usage:
#   scripts/check-pre-commit-hooks.sh [SKEIN]
#       SKEIN   the skein binary the hooks run (default: .build/debug/skein); the hooks are `language: system`,
#               so it goes on PATH as `skein`.
# Checks:
#   skein-lint            reports the staged migration only (its directory is context), fails on its error,
#                         passes once it is fixed, and says nothing about the files already committed
#   skein-generate-check  passes on the example, fails naming the query when a query is edited
# Exit 0 when every check holds, 1 otherwise. Requires: git, pre-commit (pip install pre-commit).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
skein=$(readlink -f "${1:-.build/debug/skein}")
[ -x "$skein" ] || { echo "check-pre-commit-hooks: $skein not found; build it first" >&2; exit 1; }
command -v pre-commit >/dev/null || { echo "check-pre-commit-hooks: pre-commit not found (pip install pre-commit)" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/bin"
ln -s "$skein" "$work/bin/skein"
export PATH="$work/bin:$PATH"
# pre-commit keeps its environments in ~/.cache/pre-commit; a scratch one keeps this run from touching the user's.
export PRE_COMMIT_HOME="$work/pre-commit-home"

repo=$work/project
cp -R examples/agentflow "$repo"
cd "$repo"
git init -q -b main
git -c user.email=ci@example.com -c user.name=ci add .
git -c user.email=ci@example.com -c user.name=ci commit -qm "the example as it is"

failures=0
check() { # check NAME EXPECTED_STATUS PATTERN... (from the last run's output)
    local name=$1 expected=$2
    shift 2
    if [ "$status" -ne "$expected" ]; then
        echo "FAIL $name: exit $status, expected $expected" >&2
        echo "$output" >&2
        failures=$((failures + 1))
        return
    fi
    local pattern
    for pattern in "$@"; do
        if [[ $pattern == '!'* ]]; then
            if grep -qE -- "${pattern#!}" <<<"$output"; then
                echo "FAIL $name: the output has '${pattern#!}'" >&2
                echo "$output" >&2
                failures=$((failures + 1))
                return
            fi
        elif ! grep -qE -- "$pattern" <<<"$output"; then
            echo "FAIL $name: the output lacks '$pattern'" >&2
            echo "$output" >&2
            failures=$((failures + 1))
            return
        fi
    done
    echo "ok   $name"
}
run() { # run HOOK [ARGS]: pre-commit on what is staged (or ARGS: --all-files), through Skein's checkout's hooks
    set +e
    output=$(pre-commit try-repo "$root" "$@" 2>&1)
    status=$?
    set -e
}

# A new migration with an error (NOT NULL without a default on a table an earlier migration created).
new=migrations/20991231235959_add_nickname_to_users.sql
printf -- '-- +goose Up\nALTER TABLE users ADD COLUMN IF NOT EXISTS nickname text NOT NULL;\n-- +goose Down\nALTER TABLE users DROP COLUMN IF EXISTS nickname;\n' >"$new"
git add "$new"
run skein-lint
check "skein-lint fails on the staged migration's error, naming it" 1 \
    "$new:2:1: error\\[adding-required-field\\]" "!20240[0-9]+_[a-z_]+\\.sql:[0-9]+"

printf -- "-- +goose Up\nALTER TABLE users ADD COLUMN IF NOT EXISTS nickname text NOT NULL DEFAULT '';\n-- +goose Down\nALTER TABLE users DROP COLUMN IF EXISTS nickname;\n" >"$new"
git add "$new"
run skein-lint
check "skein-lint passes once it is fixed" 0 "skein lint.*Passed"

git reset -q "$new" && rm "$new"
run skein-lint
check "skein-lint is skipped when no migration is staged" 0 "skein lint.*(Skipped|no files to check)"

run skein-generate-check --all-files
check "skein-generate-check passes on the example" 0 "skein generate.*Passed"
query=$(ls queries/*.sql | head -n 1)
printf '\n-- name: CountEverything :one\nSELECT count(*) FROM users;\n' >>"$query"
git add "$query"
run skein-generate-check
check "skein-generate-check fails when a query is edited, naming it" 1 "$query:[0-9]+"
echo "$output" | grep -E "$query:[0-9]+" | head -n 1 | sed 's/^/     /'

if [ "$failures" -gt 0 ]; then
    echo "check-pre-commit-hooks: $failures check(s) failed" >&2
    exit 1
fi
echo "check-pre-commit-hooks: the hooks work with $(pre-commit --version)"

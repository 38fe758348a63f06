#!/usr/bin/env bash
# The quick start: builds Skein and runs it on the example AgentFlow migrations, then shows the
# throwaway PostgreSQL Skein manages (started and removed again).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
swift build -c release --product skein
SKEIN=.build/release/skein
DIR=examples/agentflow/migrations

echo "== skein validate --dir $DIR"
$SKEIN validate --dir "$DIR"
echo
echo "== skein inspect $DIR/20240918150000_add_role_to_users.sql"
$SKEIN inspect "$DIR/20240918150000_add_role_to_users.sql"
echo
echo "== skein sandbox start --name quickstart (a throwaway PostgreSQL)"
$SKEIN sandbox start --name quickstart
trap '$SKEIN sandbox stop --name quickstart >/dev/null' EXIT
$SKEIN sandbox status --name quickstart
echo
echo "Next: the runner (skein up) applies these migrations; see README.md."

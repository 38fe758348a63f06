#!/usr/bin/env bash
# The quick start: builds Skein, checks the example AgentFlow migrations, and runs them up, down and up
# against a throwaway local PostgreSQL that Skein starts and removes.
#   SKEIN=/usr/bin/skein scripts/quickstart.sh   the same with an installed skein (the .deb or the tarball), no build
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
if [ -z "${SKEIN:-}" ]; then
    # As `make build`: on Linux a position-dependent executable (-no-pie), which starts faster.
    swift build -c release --product skein --static-swift-stdlib $([ "$(uname -s)" = Linux ] && echo -Xlinker -no-pie)
    SKEIN=.build/release/skein
fi
echo "== $SKEIN --version"
$SKEIN --version
echo
DIR=examples/agentflow/migrations

echo "== skein validate --dir $DIR"
$SKEIN validate --dir "$DIR"
echo
echo "== skein inspect $DIR/20240918150000_add_role_to_users.sql"
$SKEIN inspect "$DIR/20240918150000_add_role_to_users.sql"
echo
echo "== skein up --ephemeral --dir $DIR   (one command: a throwaway PostgreSQL, migrated, then removed)"
$SKEIN up --ephemeral --dir "$DIR"
echo
echo "== skein sandbox start --name quickstart (a throwaway PostgreSQL that stays until stopped)"
URL=$($SKEIN sandbox start --name quickstart)
trap '$SKEIN sandbox stop --name quickstart >/dev/null' EXIT
echo "$URL"
echo
echo "== skein -dir $DIR postgres \$URL up      (goose's own command line)"
$SKEIN -dir "$DIR" postgres "$URL" up
echo
echo "== skein status / down / status / up      (Skein's command line)"
$SKEIN status --dir "$DIR" --database-url "$URL"
$SKEIN down --dir "$DIR" --database-url "$URL"
$SKEIN status --dir "$DIR" --database-url "$URL"
$SKEIN up --dir "$DIR" --database-url "$URL"
echo
echo "== skein generate --check -f examples/agentflow/sqlc.yaml --dev-url \$URL   (sqlc for Swift: the queries typed by PostgreSQL)"
$SKEIN generate --check -f examples/agentflow/sqlc.yaml --dev-url "$URL"
analysed=$($SKEIN generate --dry-run -f examples/agentflow/sqlc.yaml --dev-url "$URL")
grep -E ' (GetUserByID|ListActiveUsers) ' <<<"$analysed"
echo
echo "The sandbox is removed on exit; keep one with: skein sandbox start && eval \"\$(skein sandbox env)\""

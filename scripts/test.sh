#!/usr/bin/env bash
# The test command: installs what is missing, builds, and runs every test against a real PostgreSQL
# (a throwaway cluster the tests start themselves, or $SKEIN_TEST_DATABASE_URL).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh --peers
swift build --build-tests
swift test --skip-build "$@"

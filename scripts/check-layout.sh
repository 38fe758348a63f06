#!/usr/bin/env bash
# The layout rules docs/architecture.md states, checked in CI:
# - SkeinGovernance, SkeinConnection and SkeinCore are pure: they import no NIO, no PostgresNIO, no logging or
#   metrics backend (SkeinGovernance and SkeinConnection are what an app links besides the runner).
# - No file under Sources/ is longer than 400 lines unless its first line says why:
#   `// Longer than 400 lines because: …`.
set -euo pipefail
cd "$(dirname "$0")/.."
status=0

for module in SkeinGovernance SkeinConnection SkeinCore; do
    if grep -rnE '^(@preconcurrency |public |package |@_exported )*import +(NIO[A-Za-z]*|PostgresNIO|Logging|Metrics|ServiceLifecycle)\b' \
        "Sources/$module" --include='*.swift'; then
        echo "check-layout: $module must not import NIO, PostgresNIO, Logging, Metrics or ServiceLifecycle (above)" >&2
        status=1
    fi
done

while IFS= read -r file; do
    lines=$(wc -l <"$file")
    if [ "$lines" -gt 400 ] && ! head -n 1 "$file" | grep -q '^// Longer than 400 lines because: .'; then
        echo "check-layout: $file has $lines lines; split it, or say why on its first line (// Longer than 400 lines because: …)" >&2
        status=1
    fi
done < <(find Sources -name '*.swift' | sort)

[ "$status" -eq 0 ] && echo "check-layout: pure modules import no NIO; no unexplained file over 400 lines"
exit "$status"

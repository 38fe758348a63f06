#!/usr/bin/env bash
# Type-checks Swift files against the modules the debug build made (.build/debug/Modules: Skein's, PostgresNIO's,
# …), as a package that depends on Skein would see them: Swift 6 language mode, no warnings; add upcoming features
# as flags. Used by CI for examples/agentflow/Generated and by scripts/check-doc-snippets.py.
#   scripts/swift-typecheck.sh -module-name NAME FILE...
set -euo pipefail
cd "$(dirname "$0")/.."
test -f .build/debug/Modules/PostgresNIO.swiftmodule || {
    echo "swift-typecheck: build first (swift build --build-tests)" >&2
    exit 2
}
# SwiftPM's modules are in .build/debug/Modules; the C modules under them need their module maps: the ones SwiftPM
# wrote (<Target>.build/module.modulemap) and the packages' own (Sources/<Target>/include/module.modulemap).
flags=(-I .build/debug/Modules)
for map in .build/debug/*.build/module.modulemap; do
    case "$map" in *-tool.build/*) continue ;; esac # the same modules built for plugins' tools
    flags+=(-Xcc "-fmodule-map-file=$map")
done
for include in .build/checkouts/*/Sources/*/include; do
    if [ -f "$include/module.modulemap" ]; then flags+=(-Xcc "-I$include"); fi
done
exec swiftc -typecheck -swift-version 6 -warnings-as-errors "${flags[@]}" "$@"

#!/usr/bin/env bash
# Build the DocC documentation of the library products apps use (SkeinPostgres, SkeinCore, SkeinConnection,
# and SkeinTypes, which generated code imports) with the toolchain's own docc, from symbol graphs: no
# swift-docc-plugin in Package.swift, so no app that depends on Skein resolves it.
#
# Usage:
#   scripts/docc.sh [--out DIR] [--skip-symbol-graphs] [--repository-url URL]
#       --out DIR              where the archives go (default: the project's .build/docs):
#                              DIR/<Module>.doccarchive, each transformed for static hosting (serve it as files;
#                              the module's pages are under documentation/<module, lowercased>/).
#       --skip-symbol-graphs   reuse the symbol graphs of the last `swift package dump-symbol-graph` instead of
#                              dumping them again (that reuses the debug build, so it is quick after one).
#       --repository-url URL   where the repository's files are browsed, e.g.
#                              https://github.com/OWNER/skein/blob/main: the articles' links to other docs/*.md
#                              and to examples/ point there. Without it they become `docs/runner.md` text.
#   Prints one line per module: the archive and how many of its public symbols have a doc comment of their own.
#
# Each module is converted on its own (its catalog Sources/<Module>/<Module>.docc and only its own symbol graphs,
# <Module>.symbols.json and its <Module>@<Other>.symbols.json extension graphs) with --warnings-as-errors: any
# warning (an unresolved ``symbol`` link, a parameter a doc comment leaves out, …) fails the script, after
# printing docc's output; the other modules are still converted, so every problem shows in one run. A ``link``
# to another module's symbol cannot resolve here: write it as `code`.
#
# SkeinPostgres's articles are docs/library.md (MigratingAtStartUp) and docs/codegen.md (GeneratedQueries),
# copied into a temporary copy of the catalog, never into git: docs/*.md stay the one source, whose Swift
# scripts/check-doc-snippets.py compiles. The copy differs only where DocC needs it to: the title loses its
# backticks (DocC prints an article title as plain text), and relative links (docs/*.md, ../examples/…), which
# DocC would keep as links that lead nowhere, point at --repository-url or become the file's path as `code`.
# Requires: a Swift toolchain with docc (Swift 6.2 or later, as Package.swift), python3.

set -euo pipefail
caller=$PWD
cd "$(dirname "$0")/.."

MODULES=(SkeinPostgres SkeinCore SkeinConnection SkeinTypes)
# article name in SkeinPostgres.docc = source under docs/
ARTICLES=(MigratingAtStartUp=library.md GeneratedQueries=codegen.md)

die() {
    echo "docc: $*" >&2
    exit 1
}

usage() {
    sed -n '/^# Usage:/,/^#$/p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit "${1:-2}"
}

out=.build/docs
dump=true
repository_url=
while [ $# -gt 0 ]; do
    case $1 in
    --out)
        [ $# -ge 2 ] || usage
        case $2 in
        /*) out=$2 ;;
        *) out=$caller/$2 ;;
        esac
        shift 2
        ;;
    --skip-symbol-graphs)
        dump=false
        shift
        ;;
    --repository-url)
        [ $# -ge 2 ] || usage
        repository_url=${2%/}
        shift 2
        ;;
    -h | --help) usage 0 ;;
    *)
        echo "docc: unknown argument: $1" >&2
        usage
        ;;
    esac
done

# The toolchain's own docc: beside the real swift (not a /usr/bin shim), or xcrun's on macOS.
if [ -n "${DOCC:-}" ]; then
    docc=$DOCC
elif command -v xcrun >/dev/null 2>&1 && docc=$(xcrun --find docc 2>/dev/null); then
    :
else
    docc=$(dirname "$(readlink -f "$(command -v swift)")")/docc
fi
[ -x "$docc" ] || die "no docc at $docc (set DOCC=/path/to/docc)"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if $dump; then
    echo "docc: swift package dump-symbol-graph --minimum-access-level public" >&2
    if ! swift package dump-symbol-graph --minimum-access-level public >"$work/dump.log" 2>&1; then
        cat "$work/dump.log" >&2
        die "swift package dump-symbol-graph failed (above)"
    fi
fi
# dump-symbol-graph writes beside the build's configuration directories: .build/<triple>/symbolgraph.
graphs=$(dirname "$(swift build --show-bin-path)")/symbolgraph
[ -f "$graphs/SkeinCore.symbols.json" ] ||
    die "no symbol graphs in $graphs: run without --skip-symbol-graphs"

# Copies docs/SOURCE to ARTICLE, rewriting only what DocC needs (see the header).
make_article() {
    local source=$1 article=$2
    python3 - "$source" "$article" "$repository_url" <<'EOF'
import posixpath
import re
import sys

source, article, base = sys.argv[1:4]
link = re.compile(r"(?<!!)\[([^\]]+)\]\(([^)\s]+)\)")
# A code span may continue on the next line, not past a blank one.
code_span = re.compile(r"(`+)(?:(?!\n[ \t]*\n).)*?(?<!`)\1(?!`)", re.S)


def rewrite(match):
    text, target = match.groups()
    if re.match(r"[a-z][a-z0-9+.-]*:|#", target):  # https:, mailto:, an anchor on the same page
        return match.group(0)
    path, _, anchor = target.partition("#")
    path = posixpath.normpath(posixpath.join(posixpath.dirname(source), path)) + (f"#{anchor}" if anchor else "")
    return f"[{text}]({base}/{path})" if base else f"`{path}`"


def outside_code(text):
    # Links inside `code spans` are text: rewrite only between them.
    pieces, last = [], 0
    for span in code_span.finditer(text):
        pieces.append(link.sub(rewrite, text[last:span.start()]) + span.group(0))
        last = span.end()
    return "".join(pieces) + link.sub(rewrite, text[last:])


# Fenced code blocks stay as they are; the prose between them is rewritten a run of lines at a time.
lines, prose, fence, title_done = [], [], None, False
for line in open(source, encoding="utf-8").read().split("\n"):
    stripped = line.lstrip()
    if fence:
        lines.append(line)
        if stripped.startswith(fence):
            fence = None
        continue
    if stripped.startswith("```") or stripped.startswith("~~~"):
        lines += outside_code("\n".join(prose)).split("\n") if prose else []
        prose, fence = [], stripped[:3]
        lines.append(line)
    elif not title_done and line.startswith("# "):
        prose.append(line.replace("`", ""))
        title_done = True
    else:
        prose.append(line)
lines += outside_code("\n".join(prose)).split("\n") if prose else []
open(article, "w", encoding="utf-8").write("\n".join(lines))
EOF
}

mkdir -p "$out"
failed=()
for module in "${MODULES[@]}"; do
    catalog=Sources/$module/$module.docc
    [ -d "$catalog" ] || die "no catalog $catalog"
    cp -R "$catalog" "$work/$module.docc"
    if [ "$module" = SkeinPostgres ]; then
        for entry in "${ARTICLES[@]}"; do
            make_article "docs/${entry#*=}" "$work/$module.docc/${entry%%=*}.md"
        done
    fi

    # Only this module's graphs: its own and its extensions of other modules' types.
    mkdir "$work/$module.graphs"
    shopt -s nullglob
    module_graphs=("$graphs/$module.symbols.json" "$graphs/$module@"*.symbols.json)
    shopt -u nullglob
    [ -f "${module_graphs[0]}" ] || die "no symbol graph for $module in $graphs"
    cp "${module_graphs[@]}" "$work/$module.graphs/"

    archive=$out/$module.doccarchive
    rm -rf "$archive"
    if ! "$docc" convert "$work/$module.docc" \
        --additional-symbol-graph-dir "$work/$module.graphs" \
        --fallback-display-name "$module" --fallback-bundle-identifier "dev.skein.$module" \
        --transform-for-static-hosting --warnings-as-errors \
        --output-path "$archive" >"$work/$module.log" 2>&1 ||
        grep -qE '^(warning|error): ' "$work/$module.log"; then
        # docc names each file relative to the catalog, here a temporary copy: name it from the project root, and
        # a file of the copy by its source (an article keeps its source's line numbers).
        python3 - "$work/$module.docc" "$catalog" "$work/$module.log" "${ARTICLES[@]}" >&2 <<'EOF'
import os
import re
import sys

copy, catalog, log = sys.argv[1:4]
articles = dict(entry.split("=", 1) for entry in sys.argv[4:])
for line in open(log, encoding="utf-8", errors="replace"):
    match = re.match(r"(\s*--> )(\S+?)(:\d+:\d+.*)", line, re.S)
    if match and not os.path.isabs(match.group(2)):
        path = os.path.normpath(os.path.join(copy, match.group(2)))
        if os.path.dirname(path) == copy:
            name = os.path.basename(path)
            article = articles.get(name.removesuffix(".md"))
            path = os.path.join("docs", article) if article else os.path.join(catalog, name)
        line = match.group(1) + os.path.relpath(path) + match.group(3)
    sys.stdout.write(line)
EOF
        echo "docc: $module: docc reported the problems above" >&2
        failed+=("$module")
        continue
    fi

    counts=$(python3 - "$module" "$work/$module.graphs" <<'EOF'
import glob
import json
import sys

module, directory = sys.argv[1:3]
total = documented = 0
for path in glob.glob(f"{directory}/*.symbols.json"):
    for symbol in json.load(open(path, encoding="utf-8"))["symbols"]:
        total += 1
        comment = symbol.get("docComment")
        # A comment inherited from a protocol of another module (Swift's, PostgresNIO's) is not this module's.
        documented += bool(comment and comment.get("module", module) == module)
print(f"{documented} of {total} public symbols documented")
EOF
)
    echo "$module: $archive ($counts)"
done
[ ${#failed[@]} -eq 0 ] || die "failed: ${failed[*]}"

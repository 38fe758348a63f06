#!/usr/bin/env python3
"""Docs are code: every ```swift block in README.md and docs/*.md says, on the line before its fence, what it is:

  <!-- snippet: compile -->                 type-checked as a program of its own (main.swift) against the
                                            modules the debug build made (scripts/swift-typecheck.sh)
  <!-- snippet: compile with GLOB... -->    the same, together with those files (globs from the project root),
                                            e.g. examples/agentflow/Generated/*.swift for code that calls them
  <!-- snippet: excerpt of PATH -->         its lines are a contiguous run of PATH's lines (a file CI builds:
                                            an example app, generated code), so the doc cannot drift from it
  <!-- snippet: fragment: REASON -->        not compiled, and why (a piece of Package.swift, a signature)

A block without a marker, a block that does not compile, and an excerpt that is no longer in its file fail the
check, each named by file:line. Run after `swift build --build-tests`.
"""
import glob
import os
import re
import subprocess
import sys
import tempfile

from docblocks import blocks

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MARKER = re.compile(r"^<!-- snippet: (compile(?: with (?P<with>.+?))?|excerpt of (?P<path>\S+)|fragment: (?P<why>.+?)) -->$")


def is_excerpt(body, path):
    text = open(os.path.join(ROOT, path), encoding="utf-8").read().split("\n")
    strip = lambda lines: [line.rstrip() for line in lines]
    body, text = strip(body), strip(text)
    while body and not body[-1]:
        body.pop()
    return any(text[i : i + len(body)] == body for i in range(len(text) - len(body) + 1))


def typecheck(name, body, extra):
    with tempfile.TemporaryDirectory() as directory:
        main = os.path.join(directory, "main.swift")
        with open(main, "w", encoding="utf-8") as handle:
            handle.write("\n".join(body) + "\n")
        files = [main]
        for pattern in extra:
            matched = sorted(glob.glob(os.path.join(ROOT, pattern)))
            if not matched:
                return f"`compile with {pattern}` matches no file"
            files += matched
        result = subprocess.run(
            [os.path.join(ROOT, "scripts/swift-typecheck.sh"), "-module-name", "Snippet", *files],
            capture_output=True, text=True)
        if result.returncode != 0:
            return (result.stdout + result.stderr).replace(main, name).strip()
    return None


def main():
    documents = [os.path.join(ROOT, "README.md")] + sorted(glob.glob(os.path.join(ROOT, "docs", "*.md")))
    failures = []
    counts = {"compile": 0, "excerpt": 0, "fragment": 0}
    for document in documents:
        relative = os.path.relpath(document, ROOT)
        for line, previous, body in blocks(document, ["swift"]):
            where = f"{relative}:{line}"
            marker = MARKER.match(previous)
            if not marker:
                failures.append(
                    f"{where}: a ```swift block needs a marker on the line before it "
                    "(<!-- snippet: compile -->, <!-- snippet: excerpt of PATH -->, <!-- snippet: fragment: REASON -->)")
                continue
            if marker.group("path"):
                counts["excerpt"] += 1
                path = marker.group("path")
                if not os.path.exists(os.path.join(ROOT, path)):
                    failures.append(f"{where}: excerpt of {path}, which does not exist")
                elif not is_excerpt(body, path):
                    failures.append(f"{where}: not an excerpt of {path} any more: copy the current lines from it")
            elif marker.group("why"):
                counts["fragment"] += 1
            else:
                counts["compile"] += 1
                extra = (marker.group("with") or "").split()
                error = typecheck(where, body, extra)
                if error:
                    failures.append(f"{where}: does not compile:\n{error}")
    for failure in failures:
        print(failure, file=sys.stderr)
    total = sum(counts.values()) + len([f for f in failures if "needs a marker" in f])
    print(
        f"{total} Swift blocks: {counts['compile']} compiled, {counts['excerpt']} excerpts checked, "
        f"{counts['fragment']} fragments; {len(failures)} problems")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

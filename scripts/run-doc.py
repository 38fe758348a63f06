#!/usr/bin/env python3
"""Runs a walkthrough's commands as a newcomer would type them, so a walkthrough that stops working fails CI.

  scripts/run-doc.py docs/workflow.md [docs/app.md ...]

Every ```sh block of the file is marked on the line before its fence:

  <!-- run -->              run; it must exit 0
  <!-- run: exit N -->      run in a subshell (a failure the walkthrough shows); it must exit N
  <!-- not run: REASON --> not run, and why

The blocks run in order in one bash (`set -euo pipefail`), so `cd`, variables and `eval "$(skein sandbox env)"`
carry over, in a new empty directory, with Skein's debug build first on PATH and SKEIN_ROOT set to the checkout
(the walkthroughs say "where you cloned Skein"). A failure names the file and the block's line.
"""
import os
import re
import subprocess
import sys
import tempfile

from docblocks import blocks

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MARKER = re.compile(r"^<!-- (run|run: exit (?P<code>\d+)|not run: .+?) -->$")


def script_for(path):
    relative = os.path.relpath(path, ROOT)
    # A server a walkthrough started in the background is stopped whatever happens.
    parts = ["set -euo pipefail", "trap 'kill $(jobs -p) 2>/dev/null || true' EXIT"]
    count = 0
    for line, previous, body in blocks(path, ["sh", "bash"]):
        marker = MARKER.match(previous)
        where = f"{relative}:{line}"
        if not marker:
            sys.exit(f"{where}: a ```sh block needs <!-- run -->, <!-- run: exit N --> or <!-- not run: REASON -->")
        if marker.group(1).startswith("not run"):
            continue
        count += 1
        text = "\n".join(body)
        parts.append(f"echo '>>> {where}' >&2")
        if marker.group("code") is None:
            parts.append(text)
        else:
            code = marker.group("code")
            parts.append(
                f"set +e\n(\nset -e\n{text}\n)\nstatus=$?\nset -e\n"
                f"if [ \"$status\" -ne {code} ]; then echo '{where}: expected exit {code}, got '$status >&2; exit 1; fi")
    return "\n".join(parts) + "\n", count


def main():
    failures = 0
    for path in sys.argv[1:]:
        script, count = script_for(os.path.abspath(path))
        with tempfile.TemporaryDirectory(prefix="skein-doc-") as directory:
            environment = dict(os.environ)
            environment["PATH"] = os.path.join(ROOT, ".build", "debug") + os.pathsep + environment["PATH"]
            environment["SKEIN_ROOT"] = ROOT
            result = subprocess.run(["bash", "-c", script], cwd=directory, env=environment)
        status = "passed" if result.returncode == 0 else f"FAILED (exit {result.returncode})"
        print(f"{path}: {count} command blocks {status}")
        failures += result.returncode != 0
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

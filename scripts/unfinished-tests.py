#!/usr/bin/env python3
"""Names the tests a `swift test` log shows as started and never ended (passed, failed or skipped).

CI runs the tests under `timeout`; when a run is stopped there, this says which tests were still running, so a
hang is a named failure rather than silence. Usage: scripts/unfinished-tests.py LOG
"""
import re
import sys

started: dict[str, None] = {}
ended: set[str] = set()
pattern = re.compile(r'^\S+ (Test|Suite) (".*?"(?: with \d+ test cases)?) (started|passed|failed|skipped|recorded)')
with open(sys.argv[1], encoding="utf-8", errors="replace") as log:
    for line in log:
        match = pattern.match(line)
        if not match:
            continue
        kind, name, event = match.groups()
        name = re.sub(r" with \d+ test cases$", "", name)
        key = f"{kind} {name}"
        if event == "started":
            started[key] = None
        elif event != "recorded":
            ended.add(key)
unfinished = [key for key in started if key not in ended]
for key in unfinished:
    print(f"  still running: {key}")
if not unfinished:
    print("  (every test that started has ended)")

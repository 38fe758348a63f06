#!/usr/bin/env bash
# Runs a command with the smallest share of the CPU this machine gives, so that it takes only the time other work
# leaves idle (.ci/run builds the release this way beside the debug build and the tests).
#   scripts/idle-priority.sh COMMAND [ARG...]
# A nice value alone does not do it: SwiftPM's build system and the swift driver start each compiler at the default
# priority and scheduling class, whatever theirs is. What a child cannot leave is its control group, nor (with the
# kernel's autogroups) its session's group. So, the first that works: a cgroup v2 group with cpu.weight 1; a cgroup
# v1 cpu group with cpu.shares 2; a session of its own whose autogroup has nice 19; plain nice 19. It says which on
# stderr. The group (skein-idle) stays for the next run.
set -euo pipefail
[ $# -gt 0 ] || { echo "usage: scripts/idle-priority.sh COMMAND [ARG...]" >&2; exit 2; }

v2=/sys/fs/cgroup
v1=/sys/fs/cgroup/cpu
if [ -f "$v2/cgroup.controllers" ] && grep -qw cpu "$v2/cgroup.controllers" &&
    { grep -qw cpu "$v2/cgroup.subtree_control" || echo +cpu >"$v2/cgroup.subtree_control"; } 2>/dev/null &&
    mkdir -p "$v2/skein-idle" 2>/dev/null && echo 1 >"$v2/skein-idle/cpu.weight" 2>/dev/null &&
    echo $$ >"$v2/skein-idle/cgroup.procs" 2>/dev/null; then
    echo "idle-priority: cgroup v2 $v2/skein-idle (cpu.weight 1)" >&2
elif [ -f "$v1/cpu.shares" ] && mkdir -p "$v1/skein-idle" 2>/dev/null &&
    echo 2 >"$v1/skein-idle/cpu.shares" 2>/dev/null && echo $$ >"$v1/skein-idle/cgroup.procs" 2>/dev/null; then
    echo "idle-priority: cgroup v1 $v1/skein-idle (cpu.shares 2)" >&2
elif [ "$(cat /proc/sys/kernel/sched_autogroup_enabled 2>/dev/null)" = 1 ] && command -v setsid >/dev/null; then
    echo "idle-priority: a session of its own, autogroup nice 19" >&2
    exec setsid --wait bash -c 'echo 19 >/proc/self/autogroup && exec nice -n 19 "$@"' idle-priority "$@"
else
    echo "idle-priority: nice 19 only (the compilers it starts run at the default priority)" >&2
fi
exec nice -n 19 "$@"

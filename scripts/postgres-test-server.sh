#!/usr/bin/env bash
# A throwaway PostgreSQL for the key server's tests: a new cluster in a temporary directory,
# listening on 127.0.0.1 only (a free port; its unix socket inside that directory), with one
# database. Debian's postgresql (installed when run as root and missing); when run as root the
# server runs as the postgres user.
#
#   scripts/postgres-test-server.sh start          # prints `export PARLEY_TEST_POSTGRES_URL=...`
#                                                  # and `export PARLEY_TEST_POSTGRES_DIR=...`
#   scripts/postgres-test-server.sh stop DIR       # stops that server, removes DIR
#   scripts/postgres-test-server.sh run -- CMD...  # start, run CMD with the variables set, stop
#                                                  # (also on failure or interrupt); CMD's status
# For a shell:  eval "$(scripts/postgres-test-server.sh start)"
#               trap 'scripts/postgres-test-server.sh stop "$PARLEY_TEST_POSTGRES_DIR"' EXIT
set -euo pipefail

marker=.parley-test-postgres
database=parley_test
role=parley

is_root() { [[ "$(id -u)" == "0" ]]; }

# The newest installed server's bin directory, installing Debian's postgresql as root if none.
find_bin() {
    local bin
    bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
    if [[ -z "$bin" || ! -x "$bin/initdb" ]]; then
        if ! is_root; then
            echo "The key server's PostgreSQL tests need Debian's postgresql: run 'sudo apt-get install postgresql' (or run make as root)." >&2
            exit 1
        fi
        echo "Installing postgresql ..." >&2
        DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
        bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
    fi
    echo "$bin"
}

# Runs a PostgreSQL program as the postgres user when we are root (initdb refuses root).
as_owner() {
    if is_root; then runuser -u postgres -- "$@"; else "$@"; fi
}

start() {
    local bin dir port attempt started=0
    bin=$(find_bin)
    dir=$(mktemp -d "${TMPDIR:-/tmp}/parley-postgres.XXXXXX")
    touch "$dir/$marker"
    mkdir "$dir/socket"
    if is_root; then chown -R postgres: "$dir"; fi
    if ! as_owner "$bin/initdb" -D "$dir/data" -U "$role" --auth=trust -E UTF8 --no-sync >"$dir/initdb.log" 2>&1; then
        echo "initdb failed:" >&2
        cat "$dir/initdb.log" >&2
        rm -rf "$dir"
        exit 1
    fi
    # A random high port; if it is taken the server fails to bind and we try another (10 tries).
    # max_connections: the suites run in parallel, each server instance with its own pool (up to
    # 16), well past PostgreSQL's default of 100.
    for attempt in 1 2 3 4 5 6 7 8 9 10; do
        port=$((20000 + (RANDOM * 32768 + RANDOM) % 40000))
        if as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
            -o "-c listen_addresses=127.0.0.1 -p $port -k $dir/socket -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=400" \
            start >/dev/null 2>&1; then
            started=1
            break
        fi
    done
    if [[ $started == 0 ]]; then
        echo "PostgreSQL did not start (see below):" >&2
        tail -n 20 "$dir/server.log" >&2 || true
        rm -rf "$dir"
        exit 1
    fi
    echo "$port" >"$dir/port"
    if ! as_owner "$bin/createdb" -h 127.0.0.1 -p "$port" -U "$role" "$database" >/dev/null; then
        stop "$dir"
        exit 1
    fi
    echo "export PARLEY_TEST_POSTGRES_URL='postgres://$role@127.0.0.1:$port/$database?sslmode=disable'"
    echo "export PARLEY_TEST_POSTGRES_DIR='$dir'"
}

stop() {
    local dir=${1:-}
    # Only ever a directory this script made.
    if [[ -z "$dir" || ! -f "$dir/$marker" ]]; then
        echo "postgres-test-server.sh stop: '$dir' is not a test server directory." >&2
        exit 1
    fi
    if [[ -f "$dir/data/postmaster.pid" ]]; then
        local bin
        bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
        as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate -w -t 30 stop >/dev/null 2>&1 || true
    fi
    rm -rf "$dir"
}

case "${1:-}" in
    start) start ;;
    stop) stop "${2:-}" ;;
    run)
        shift
        [[ "${1:-}" == "--" ]] && shift
        if (($# == 0)); then
            echo "usage: $0 run -- COMMAND..." >&2
            exit 2
        fi
        # An assignment, so that a failed start stops this script (set -e) before CMD runs.
        exports=$(start)
        eval "$exports"
        trap 'stop "$PARLEY_TEST_POSTGRES_DIR"' EXIT
        trap 'exit 130' INT
        trap 'exit 143' TERM
        status=0
        "$@" || status=$?
        exit "$status"
        ;;
    *)
        echo "usage: $0 start | stop DIR | run -- COMMAND..." >&2
        exit 2
        ;;
esac

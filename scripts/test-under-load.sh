#!/usr/bin/env bash
# `make test` on a busy machine: two CPU-bound processes run beside it for the whole run, as a
# shared CI machine or a laptop with a build going on would have. The suite waits for events,
# not for time to pass, so it must pass here as it does on an idle machine.
#
#   scripts/test-under-load.sh [RUNS]     # RUNS runs of `make test` in a row (default 1), stops at the first failure
#
# The load is bounded: each busy process ends after PARLEY_LOAD_SECONDS (default 7200) at the
# latest, and both are stopped, by PID, when the script ends (also on failure or Ctrl-C).
set -euo pipefail
cd "$(dirname "$0")/.."

runs=${1:-1}
if ! [[ "$runs" =~ ^[1-9][0-9]*$ ]]; then
    echo "usage: $0 [RUNS]  (RUNS a positive whole number)" >&2
    exit 2
fi
limit=${PARLEY_LOAD_SECONDS:-7200}

busy=()
stop_load() {
    for pid in "${busy[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${busy[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap stop_load EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

for _ in 1 2; do
    timeout "$limit" yes >/dev/null &
    busy+=("$!")
done
echo "test-under-load: 2 busy processes (pids ${busy[*]}) beside $runs run(s) of make test"

for run in $(seq 1 "$runs"); do
    echo "test-under-load: run $run of $runs"
    started=$SECONDS
    make test
    echo "test-under-load: run $run of $runs passed in $((SECONDS - started)) s"
done
echo "test-under-load: $runs of $runs runs passed under load"

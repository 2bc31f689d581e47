#!/usr/bin/env bash
# `make bench-server`: builds parley-server and parley-server-bench in release mode, starts the
# server on a free 127.0.0.1 port with a temporary SQLite database, runs the bounded load
# generator against it, and stops the server. Extra arguments go to parley-server-bench. Then the
# hostile cell (issue 13): a second server with the default quotas (only sign-ups and the send
# rate raised, for the set-up and the normal traffic), normal message traffic quiet and while a
# hostile client floods (mailbox filling, claim draining, idle sockets).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/local-server.sh
swift build -c release --product parley-server >/dev/null
swift build -c release --product parley-server-bench >/dev/null
bin=$(swift build -c release --show-bin-path)
# Rate limits raised far above the load, so that the routes' own cost is measured; the per-sender
# quota too (each worker's one sender device leaves thousands of messages in one receiver's mailbox),
# the per-address registration limit (every worker registers from 127.0.0.1) and the per-target claim
# budget (claims must still take one-time prekeys).
start_local_server "$bin/parley-server" \
    --claim-burst 1000000 --claim-per-minute 1000000 --send-burst 1000000 --send-per-minute 1000000 \
    --sender-quota 1000000 --registration-burst 1000000 --registration-per-minute 1000000 \
    --claim-target-burst 1000000 --claim-target-per-minute 1000000
echo "parley-server (release, SQLite) on 127.0.0.1:$LOCAL_SERVER_PORT"
"$bin/parley-server-bench" --port "$LOCAL_SERVER_PORT" --server-pid "$LOCAL_SERVER_PID" "$@"

stop_local_server
start_local_server "$bin/parley-server" \
    --registration-burst 1000000 --registration-per-minute 1000000 --send-burst 1000000 --send-per-minute 1000000
echo "parley-server (release, SQLite, default quotas) on 127.0.0.1:$LOCAL_SERVER_PORT: hostile cell"
"$bin/parley-server-bench" --port "$LOCAL_SERVER_PORT" --hostile --concurrency 16 --seconds 5

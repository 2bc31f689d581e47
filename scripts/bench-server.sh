#!/usr/bin/env bash
# `make bench-server`: builds parley-server and parley-server-bench in release mode, starts the
# server on a free 127.0.0.1 port with a temporary SQLite database, runs the bounded load
# generator against it, and stops the server. Extra arguments go to parley-server-bench.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product parley-server >/dev/null
swift build -c release --product parley-server-bench >/dev/null
bin=$(swift build -c release --show-bin-path)
work=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
# Rate limits raised far above the load, so that the routes' own cost is measured.
"$bin/parley-server" --listen "127.0.0.1:$port" --database "sqlite:$work/server.sqlite" --data-dir "$work/data" --log-level error \
    --claim-burst 1000000 --claim-per-minute 1000000 --send-burst 1000000 --send-per-minute 1000000 \
    >"$work/server.log" 2>&1 &
pid=$!
cleanup() { kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
for _ in $(seq 1 100); do
    python3 -c "import urllib.request,sys; urllib.request.urlopen(sys.argv[1], timeout=1)" \
        "http://127.0.0.1:$port/health" >/dev/null 2>&1 && break
    sleep 0.1
done
echo "parley-server (release, SQLite) on 127.0.0.1:$port"
"$bin/parley-server-bench" --port "$port" "$@"

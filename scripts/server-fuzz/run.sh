#!/usr/bin/env bash
# Starts parley-server on a free loopback port with a temporary SQLite database and runs the
# schema-driven fuzz tests (test_server_schema.py) against it: zero 5xx allowed. Bounded by
# PARLEY_FUZZ_EXAMPLES per operation (default 40) and a 10-minute timeout. Expects the server to
# be built (swift build) and .venv-fuzz to hold requirements.txt (scripts/prerequisites.sh --fuzz).
set -euo pipefail
cd "$(dirname "$0")/../.."
work=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
server="$(swift build --show-bin-path)/parley-server"
"$server" --listen "127.0.0.1:$port" --database "sqlite:$work/server.sqlite" --data-dir "$work/data" >"$work/server.log" 2>&1 &
pid=$!
cleanup() { kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
for _ in $(seq 1 100); do
    python3 -c "import urllib.request,sys; urllib.request.urlopen(sys.argv[1], timeout=1)" \
        "http://127.0.0.1:$port/health" >/dev/null 2>&1 && break
    sleep 0.1
done
echo "== server fuzz: schemathesis against Specs/openapi.yaml on 127.0.0.1:$port"
PARLEY_URL="http://127.0.0.1:$port" timeout 600 .venv-fuzz/bin/python -m pytest -q -p no:cacheprovider \
    scripts/server-fuzz/test_server_schema.py

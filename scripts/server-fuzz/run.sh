#!/usr/bin/env bash
# Starts parley-server on a free loopback port with a temporary SQLite database and runs the
# schema-driven fuzz tests (test_server_schema.py) against it: zero 5xx allowed. Bounded by
# PARLEY_FUZZ_EXAMPLES per operation (default 40) and a 10-minute timeout. Expects the server to
# be built (swift build) and .venv-fuzz to hold requirements.txt (scripts/prerequisites.sh --python).
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/lib/local-server.sh
# Schemathesis sends thousands of unsigned and badly signed requests from one address: the
# per-address budget for failed authentications is raised so that every route is exercised.
start_local_server "$(swift build --show-bin-path)/parley-server" --auth-failure-burst 1000000 --auth-failure-per-minute 1000000
echo "== server fuzz: schemathesis against Specs/openapi.yaml on 127.0.0.1:$LOCAL_SERVER_PORT"
PARLEY_URL="http://127.0.0.1:$LOCAL_SERVER_PORT" timeout 600 .venv-fuzz/bin/python -m pytest -q -p no:cacheprovider \
    scripts/server-fuzz/test_server_schema.py

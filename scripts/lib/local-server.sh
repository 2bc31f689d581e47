# Sourced by scripts that need a throwaway parley-server: start_local_server BINARY [FLAG...]
# starts it on a free 127.0.0.1 port with a temporary SQLite database and data folder, waits
# (at most 10 s) until /health answers, and sets LOCAL_SERVER_PORT. No metrics listener unless
# LOCAL_SERVER_METRICS=HOST:PORT is set (two scripts at once must not race for one port). The
# server is stopped and its folder removed when the sourcing script exits.
start_local_server() {
    local binary=$1
    shift
    LOCAL_SERVER_WORK=$(mktemp -d)
    LOCAL_SERVER_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
    "$binary" --listen "127.0.0.1:$LOCAL_SERVER_PORT" --database "sqlite:$LOCAL_SERVER_WORK/server.sqlite" \
        --data-dir "$LOCAL_SERVER_WORK/data" --log-level error --metrics-listen "${LOCAL_SERVER_METRICS:-off}" "$@" >"$LOCAL_SERVER_WORK/server.log" 2>&1 &
    LOCAL_SERVER_PID=$!
    trap stop_local_server EXIT
    for _ in $(seq 1 100); do
        python3 -c "import urllib.request,sys; urllib.request.urlopen(sys.argv[1], timeout=1)" \
            "http://127.0.0.1:$LOCAL_SERVER_PORT/health" >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    echo "parley-server did not start; its log:" >&2
    cat "$LOCAL_SERVER_WORK/server.log" >&2
    return 1
}

stop_local_server() {
    kill "$LOCAL_SERVER_PID" 2>/dev/null || true
    wait "$LOCAL_SERVER_PID" 2>/dev/null || true
    rm -rf "$LOCAL_SERVER_WORK"
}

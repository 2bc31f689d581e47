# Sourced by scripts that need a throwaway parley-server: start_local_server BINARY [FLAG...]
# starts it on 127.0.0.1 with a temporary SQLite database and data folder, on a port the kernel
# picks (--listen 127.0.0.1:0), waits (at most 120 s) for its "parley-server listening on URL"
# line, and sets LOCAL_SERVER_PORT and LOCAL_SERVER_PID. No metrics listener unless
# LOCAL_SERVER_METRICS=HOST:PORT is set. The server is stopped and its folder removed when the
# sourcing script exits, or by stop_local_server (then another one may be started).
start_local_server() {
    local binary=$1
    shift
    LOCAL_SERVER_WORK=$(mktemp -d)
    "$binary" --listen "127.0.0.1:0" --database "sqlite:$LOCAL_SERVER_WORK/server.sqlite" \
        --data-dir "$LOCAL_SERVER_WORK/data" --log-level error --metrics-listen "${LOCAL_SERVER_METRICS:-off}" "$@" \
        >"$LOCAL_SERVER_WORK/server.out" 2>"$LOCAL_SERVER_WORK/server.log" &
    LOCAL_SERVER_PID=$!
    trap stop_local_server EXIT
    for _ in $(seq 1 1200); do
        LOCAL_SERVER_PORT=$(sed -n 's|^parley-server listening on http://127\.0\.0\.1:\([0-9][0-9]*\)$|\1|p' "$LOCAL_SERVER_WORK/server.out")
        [ -n "$LOCAL_SERVER_PORT" ] && return 0
        kill -0 "$LOCAL_SERVER_PID" 2>/dev/null || break
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

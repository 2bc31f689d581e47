#!/usr/bin/env bash
# `make demo`: a key server on a free loopback port with a temporary SQLite database, two users
# with temporary stores, and a conversation through the `parley` CLI: several scripts, a file,
# an offline recipient, matching safety numbers. Everything is stopped and removed at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/local-server.sh
bin=$(swift build --show-bin-path)

start_local_server "$bin/parley-server"
server="http://127.0.0.1:$LOCAL_SERVER_PORT"
stores=$(mktemp -d)
trap 'stop_local_server; rm -rf "$stores"' EXIT
export PARLEY_PASSPHRASE="demo passphrase (temporary stores only)"
export NO_COLOR=1

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
# parley --store DIR COMMAND ARGS...: each user has their own store.
as_user() {
    local name=$1
    shift
    "$bin/parley" --store "$stores/$name" "$@"
}
alice() { printf '\033[36malice$\033[0m parley %s\n' "$*" >&2; as_user alice "$@"; }
bob() { printf '\033[35mbob$\033[0m   parley %s\n' "$*" >&2; as_user bob "$@"; }

step "parley-server on $server (SQLite in a temporary folder)"
step "Two users create accounts (a device key, an account key, prekeys uploaded)"
alice init --user alice --server "$server" --kdf interactive
bob init --user bob --server "$server" --kdf interactive

step "Alice writes first: her client claims Bob's prekey bundle (with a post-quantum ML-KEM-1024 prekey) and starts a Parley-v2 session (PQXDH)"
alice send bob "Hello Bob! This message is end-to-end encrypted."
alice send bob "¿Qué tal? Ça va ? Grüße aus Berlin."
bob sync

step "Bob answers in several scripts"
bob send alice "你好，Alice！中文也没问题。"
bob send alice "مرحبا أليس، كيف حالك؟"
bob send alice "Emoji too: 🔐🦊🎉"
alice sync

step "Bob is offline; Alice keeps writing, the server holds the ciphertext"
alice send bob "Are you there? I will leave this in your mailbox."
alice send bob "Привет! नमस्ते! こんにちは!"
step "What the server holds for Bob: ciphertext only, every envelope Parley-v2 (wire version byte 0x02)"
# Reads the server's SQLite database (read-only): the first two bytes of each waiting envelope
# are the version (0x02 = Parley-v2) and the type (0x01 Message, 0x02 PreKeyMessage).
python3 - "$LOCAL_SERVER_WORK/server.sqlite" <<'PY'
import sqlite3, sys
db = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True)
rows = db.execute("SELECT sender_user, body FROM messages WHERE user = 'bob' ORDER BY id").fetchall()
kinds = {1: "Message", 2: "PreKeyMessage"}
for sender, body in rows:
    body = bytes(body)
    print(f"  from {sender}: {len(body)} bytes, version 0x{body[0]:02x}, {kinds.get(body[1], 'unknown type')}")
if not rows or any(bytes(body)[0] != 0x02 for _, body in rows):
    sys.exit("An envelope for Bob is not Parley-v2.")
print("Every session in this demo is Parley-v2 (PQXDH with ML-KEM-1024).")
PY
step "Bob comes back online and catches up"
bob sync

step "A file: encrypted in chunks, uploaded, sent as a pointer with its key and hash"
head -c 300000 /dev/urandom >"$stores/photo.bin"
alice send bob --file "$stores/photo.bin" --media-type image/jpeg
bob sync
received="$stores/bob/downloads/photo.bin"
if cmp -s "$stores/photo.bin" "$received"; then
    echo "Bob's copy is identical to Alice's file ($(wc -c <"$received") bytes)."
else
    echo "The received file differs from the one sent." >&2
    exit 1
fi
alice sync

step "Safety numbers: both sides compute the same 60 digits from the two account keys"
alice verify bob
bob verify alice
a=$(as_user alice verify --json bob | python3 -c 'import json,sys; print(json.loads(sys.stdin.readline())["safety_number"])')
b=$(as_user bob verify --json alice | python3 -c 'import json,sys; print(json.loads(sys.stdin.readline())["safety_number"])')
if [[ "$a" == "$b" ]]; then echo "The safety numbers match."; else echo "The safety numbers differ." >&2; exit 1; fi
alice verify bob --confirm >/dev/null
alice contacts

step "Alice's history with Bob (decrypted from her encrypted store)"
alice history bob

step "Done: the server is stopped and the temporary stores are removed"

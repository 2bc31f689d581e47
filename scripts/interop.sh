#!/usr/bin/env bash
# Interoperability with the independent Python implementation (PyPI x3dh + doubleratchet, and
# kyber-py for Parley-v2's ML-KEM-1024, pinned in TestVectors/generator/requirements.txt):
#   1. the generator reproduces the committed TestVectors/ byte for byte (they are its output),
#   2. the Python replayer accepts every committed vector,
#   3. the Python replayer accepts vectors of random conversations made by the Swift code
#      (Parley-v1 and Parley-v2).
set -euo pipefail
cd "$(dirname "$0")/.."
py=.venv/bin/python
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "== interop: regenerate the committed vectors with the Python implementation"
"$py" TestVectors/generator/generate.py "$work/generated" >/dev/null
if ! diff -r -q -x generator TestVectors "$work/generated" >/dev/null; then
    diff -r -q -x generator TestVectors "$work/generated" || true
    echo "interop: the committed vectors differ from what TestVectors/generator/generate.py produces." >&2
    exit 1
fi
echo "committed vectors reproduced: $(ls "$work/generated" | wc -l) files identical"

echo "== interop: Python replays the committed vectors"
"$py" TestVectors/generator/replay.py TestVectors/*.json | tail -n 1

echo "== interop: Python replays random conversations made by the Swift implementation"
swift run --quiet parley-vectors --emit "$work/emitted" --count 8 --seed "${PARLEY_INTEROP_SEED:-1}" >/dev/null
swift run --quiet parley-vectors --emit "$work/emitted" --suite v2 --count 4 --seed "${PARLEY_INTEROP_SEED:-1}" >/dev/null
"$py" TestVectors/generator/replay.py "$work/emitted"/*.json

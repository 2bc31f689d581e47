#!/usr/bin/env bash
# Builds Fuzz/WireMessageFuzzer.swift as a libFuzzer binary against coverage-instrumented
# ParleyCrypto and ParleyProtocol (own scratch folder), then runs it for a bounded time.
# Usage: Fuzz/build.sh [SECONDS]   (default 30)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-30}"
scratch=.build-fuzz
swift build --scratch-path "$scratch" --target ParleyProtocol -Xswiftc -sanitize=fuzzer,address >/dev/null
debug="$scratch/debug"
objects=$(find "$debug/ParleyCrypto.build" "$debug/ParleyProtocol.build" -name '*.o')
# shellcheck disable=SC2086
swiftc -sanitize=fuzzer,address -parse-as-library -g \
  -I "$debug/Modules" -Xcc -fmodule-map-file=Sources/CSodium/module.modulemap \
  Fuzz/WireMessageFuzzer.swift $objects -lsodium -o "$scratch/wire-fuzzer"
corpus=$(mktemp -d)
trap 'rm -rf "$corpus"' EXIT
cp Fuzz/corpus/* "$corpus"/ 2>/dev/null || true
log="$scratch/wire-fuzzer.log"
if ! "$scratch/wire-fuzzer" -max_total_time="$seconds" -max_len=4096 -print_final_stats=1 "$corpus" >"$log" 2>&1; then
    tail -n 60 "$log" >&2
    echo "fuzz: the wire parser fuzzer found a crash (full log: $log)" >&2
    exit 1
fi
grep -E '^(Done|stat::number_of_executed_units|stat::new_units_added)' "$log"
echo "fuzz: no crash in ${seconds} s"

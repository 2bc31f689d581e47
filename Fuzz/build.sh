#!/usr/bin/env bash
# Builds the libFuzzer targets against coverage-instrumented modules (own scratch folder) and runs
# each for a bounded time: Fuzz/WireMessageFuzzer.swift (ParleyProtocol's wire and session-state
# parsers) and Fuzz/PayloadFuzzer.swift (ParleyPayload's end-to-end payload parser).
# Usage: Fuzz/build.sh [SECONDS]   (default 30)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-30}"
scratch=.build-fuzz
swift build --scratch-path "$scratch" --target ParleyProtocol -Xswiftc -sanitize=fuzzer,address >/dev/null
swift build --scratch-path "$scratch" --target ParleyPayload -Xswiftc -sanitize=fuzzer,address >/dev/null
debug="$scratch/debug"

# fuzz NAME SOURCE MODULES...: links SOURCE against the instrumented MODULES and runs it for the
# bounded time, starting from Fuzz/corpus/NAME.
fuzz() {
    local name=$1 source=$2
    shift 2
    local objects=()
    # ParleyCrypto with swift-crypto underneath (ML-KEM-1024 for Parley-v2), then the modules asked for.
    for module in ParleyCrypto Crypto CryptoBoringWrapper CCryptoBoringSSLShims CCryptoBoringSSL CXKCPShims CXKCP "$@"; do
        [[ -d "$debug/$module.build" ]] || continue
        while IFS= read -r object; do objects+=("$object"); done < <(find "$debug/$module.build" -name '*.o')
    done
    # The linker warns about every sanitizer symbol it cannot export; shown only if linking fails.
    if ! swiftc -sanitize=fuzzer,address -parse-as-library -g \
        -I "$debug/Modules" -Xcc -fmodule-map-file=Sources/CSodium/module.modulemap \
        "$source" "${objects[@]}" -lsodium -o "$scratch/$name-fuzzer" 2>"$scratch/$name-link.log"; then
        grep -v "Cannot export local symbol" "$scratch/$name-link.log" >&2
        exit 1
    fi
    local corpus
    corpus=$(mktemp -d)
    cp Fuzz/corpus/"$name"/* "$corpus"/ 2>/dev/null || true
    local log="$scratch/$name-fuzzer.log"
    if ! "$scratch/$name-fuzzer" -max_total_time="$seconds" -max_len=4096 -print_final_stats=1 "$corpus" >"$log" 2>&1; then
        tail -n 60 "$log" >&2
        rm -rf "$corpus"
        echo "fuzz: the $name fuzzer found a crash (full log: $log)" >&2
        exit 1
    fi
    rm -rf "$corpus"
    grep -E '^(Done|stat::number_of_executed_units|stat::new_units_added)' "$log"
    echo "fuzz: $name: no crash in ${seconds} s"
}

fuzz wire Fuzz/WireMessageFuzzer.swift ParleyProtocol
fuzz payload Fuzz/PayloadFuzzer.swift ParleyServerAPI ParleyPayload

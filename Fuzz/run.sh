#!/usr/bin/env bash
# Fuzzes the WireFormat dissector for SECONDS (default 600) with ONE job.
# Builds the fuzzer if it is missing or older than its sources, writes the seed corpus if corpus/ is empty.
# Exits non-zero when libFuzzer found a crash (the input is in Fuzz/artifacts/).
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
seconds="${1:-600}"
fuzzer="$here/.build-fuzz/dissector-fuzzer"
cd "$here"

if [[ ! -x "$fuzzer" ]] || [[ -n "$(find "$root/Sources/WireFormat" "$here/DissectorFuzzer.swift" -newer "$fuzzer" -name '*.swift' -print -quit)" ]]; then
    ./build.sh 2>&1 | grep -v '^$' || exit 1
    [[ -x "$fuzzer" ]] || exit 1
fi
mkdir -p corpus artifacts
if [[ -z "$(ls -A corpus)" ]]; then
    python3 ./make-seeds.py --out corpus || exit 1
fi

touch artifacts/.run-start
log="artifacts/run-$(date -u +%Y%m%dT%H%M%SZ).log"
# One job, one worker: -jobs/-workers left at their defaults (in-process, single thread).
"$fuzzer" corpus/ -max_total_time="$seconds" -max_len=4096 -artifact_prefix=artifacts/ \
    -print_final_stats=1 -rss_limit_mb=4096 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
echo "log: Fuzz/$log; fuzzer exit status $status"
if [[ $status -ne 0 ]] || [[ -n "$(find artifacts -newer artifacts/.run-start -regex '.*/\(crash\|leak\|timeout\|oom\)-.*' -print -quit)" ]]; then
    echo "FOUND a failing input in Fuzz/artifacts/" >&2
    exit 1
fi
exit 0

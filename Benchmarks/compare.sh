#!/usr/bin/env bash
# Times, on the same capture file in one run: the libpcap read floor (pcap_floor.c), `blockscope analyze --json`,
# nDPI's ndpiReader and tshark extracting SNI and STUN type. Prints median wall time over RUNS runs, packets/s,
# peak RSS (GNU time's maximum resident set size) and ratios. Usage:
#   Benchmarks/compare.sh FILE [RUNS]        (env: TSHARK_RUNS, default 3; SCRATCH, default .build-release)
# Needs: cc, libpcap-dev, GNU time (/usr/bin/time), ndpiReader (libndpi-bin), tshark.
set -euo pipefail

FILE=${1:?usage: compare.sh FILE [RUNS]}
RUNS=${2:-5}
TSHARK_RUNS=${TSHARK_RUNS:-3}
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
SCRATCH=${SCRATCH:-.build-release}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

for tool in cc /usr/bin/time ndpiReader tshark; do
    command -v "$tool" >/dev/null || { echo "compare.sh: $tool is missing (see Benchmarks/README.md)" >&2; exit 2; }
done

cc -O2 -o "$WORK/pcap_floor" "$HERE/floor/pcap_floor.c" -lpcap
(cd "$ROOT" && swift build -c release --scratch-path "$SCRATCH" --product blockscope >&2)
BLOCKSCOPE="$ROOT/$SCRATCH/release/blockscope"

# Warm the page cache so that every tool reads from memory.
cat "$FILE" >/dev/null
PACKETS=$("$WORK/pcap_floor" "$FILE" | awk '{print $1}')
SIZE=$(stat -c %s "$FILE")

# run NAME RUNS COMMAND...: prints "NAME median_seconds peak_rss_kb" (RSS: the largest over the runs).
run() {
    local name=$1 runs=$2
    shift 2
    local times=() rss=0
    for ((i = 0; i < runs; i++)); do
        /usr/bin/time -f "%e %M" -o "$WORK/time" "$@" >/dev/null 2>"$WORK/stderr" || {
            status=$?
            # blockscope exits 3 when it flags a flow as blocked or throttled: a result, not a failure.
            if [[ $name != blockscope || $status != 3 ]]; then
                echo "compare.sh: $name failed ($status):" >&2
                cat "$WORK/stderr" >&2
                exit 1
            fi
        }
        # GNU time puts "Command exited with non-zero status N" first when a command fails.
        read -r seconds kilobytes < <(tail -n 1 "$WORK/time")
        times+=("$seconds")
        ((kilobytes > rss)) && rss=$kilobytes
    done
    local median
    median=$(printf '%s\n' "${times[@]}" | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}')
    echo "$name $median $rss"
}

{
    run floor "$RUNS" "$WORK/pcap_floor" "$FILE"
    run blockscope "$RUNS" "$BLOCKSCOPE" analyze "$FILE" --json --quiet
    run ndpiReader "$RUNS" ndpiReader -i "$FILE" -v 0
    run tshark "$TSHARK_RUNS" tshark -r "$FILE" -T fields -e tls.handshake.extensions_server_name -e stun.type
} >"$WORK/results"

echo "file: $FILE ($PACKETS packets, $SIZE bytes); median of $RUNS runs (tshark $TSHARK_RUNS); $(nproc) cores"
awk -v packets="$PACKETS" '
    { name[NR] = $1; secs[NR] = $2; rss[NR] = $3; if ($1 == "floor") floor = $2; if ($1 == "blockscope") bs = $2 }
    END {
        printf "| %-10s | %9s | %12s | %13s | %10s | %15s |\n", "tool", "median s", "packets/s", "peak RSS MB", "× floor", "× blockscope"
        printf "|%s|%s|%s|%s|%s|%s|\n", "------------", "-----------", "--------------", "---------------", "------------", "-----------------"
        for (i = 1; i <= NR; i++) {
            s = secs[i] > 0 ? secs[i] : 0.01
            printf "| %-10s | %9.2f | %12.0f | %13.1f | %10.2f | %15.2f |\n", name[i], secs[i], packets / s, rss[i] / 1024, s / (floor > 0 ? floor : 0.01), s / (bs > 0 ? bs : 0.01)
        }
    }' "$WORK/results"

#!/usr/bin/env bash
# Live rate: replays a capture over a veth pair between two network namespaces of its own (bsb-tx, bsb-rx) into
# `blockscope live -i`, at each rate given, and prints packets seen and kernel drops per rate. Nothing leaves the
# namespaces: the frames carry documentation addresses and another host's MAC, so the receiving kernel discards
# them after the capture has seen them. Needs root, iproute2 and tcpreplay. Usage:
#   sudo Benchmarks/live-rate.sh FILE [RATE...]     RATE: Mbit/s, or "topspeed" (default: 100 250 500 1000 topspeed)
# env: BUFFER_MIB (blockscope's kernel buffer, default 64), SNAPLEN (default 262144, blockscope's own default),
#      THREADS (blockscope's --threads, default 2), SCRATCH (build folder, default .build-release).
set -euo pipefail

FILE=$(realpath "${1:?usage: live-rate.sh FILE [RATE...]}")
shift
RATES=("$@")
((${#RATES[@]})) || RATES=(100 250 500 1000 topspeed)
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
SCRATCH=${SCRATCH:-.build-release}
BUFFER_MIB=${BUFFER_MIB:-64}
SNAPLEN=${SNAPLEN:-262144}
THREADS=${THREADS:-2}
WORK=$(mktemp -d)
LIVE_PID=

for tool in ip tcpreplay; do
    command -v "$tool" >/dev/null || { echo "live-rate.sh: $tool is missing (apt-get install iproute2 tcpreplay)" >&2; exit 2; }
done
[[ $(id -u) == 0 ]] || { echo "live-rate.sh: needs root (network namespaces)" >&2; exit 2; }

cleanup() {
    if [[ -n $LIVE_PID ]] && kill -0 "$LIVE_PID" 2>/dev/null; then kill -TERM "$LIVE_PID"; wait "$LIVE_PID" || true; fi
    ip netns del bsb-tx 2>/dev/null || true
    ip netns del bsb-rx 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

(cd "$ROOT" && swift build -c release --scratch-path "$SCRATCH" --product blockscope >&2)
BLOCKSCOPE="$ROOT/$SCRATCH/release/blockscope"

ip netns add bsb-tx
ip netns add bsb-rx
ip link add bsb-tx0 netns bsb-tx type veth peer name bsb-rx0 netns bsb-rx
for ns in bsb-tx bsb-rx; do
    # No IPv6 autoconfiguration chatter in the capture.
    ip netns exec $ns sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
done
ip -n bsb-tx addr add 192.0.2.254/24 dev bsb-tx0
ip -n bsb-rx addr add 192.0.2.253/24 dev bsb-rx0
ip -n bsb-tx link set bsb-tx0 up
ip -n bsb-rx link set bsb-rx0 up

PACKETS=$(tcpdump -r "$FILE" -qn 2>/dev/null | wc -l || true)
echo "file: $FILE ($PACKETS packets); blockscope kernel buffer $BUFFER_MIB MiB, snaplen $SNAPLEN, --threads $THREADS; $(nproc) cores"
printf '| %-9s | %12s | %12s | %12s | %12s | %10s |\n' rate "sent" "sent Mbit/s" "seen" "kernel drops" "drop %"
printf '|%s|%s|%s|%s|%s|%s|\n' ----------- -------------- -------------- -------------- -------------- ------------
for rate in "${RATES[@]}"; do
    ip netns exec bsb-rx "$BLOCKSCOPE" live -i bsb-rx0 --json --quiet --no-drop-privileges \
        --buffer-size "$BUFFER_MIB" --snaplen "$SNAPLEN" --threads "$THREADS" >"$WORK/live.json" 2>"$WORK/live.err" &
    LIVE_PID=$!
    sleep 1
    if [[ $rate == topspeed ]]; then speed=(--topspeed); else speed=(--mbps="$rate"); fi
    ip netns exec bsb-tx timeout 300 tcpreplay -q -i bsb-tx0 "${speed[@]}" "$FILE" >"$WORK/replay.txt" 2>&1
    sleep 2
    kill -INT "$LIVE_PID"
    wait "$LIVE_PID" || true   # exit status 3: blocking found, as in any run
    LIVE_PID=
    sent=$(awk '/Actual:/ {print $2}' "$WORK/replay.txt")
    mbps=$(awk '/Rated:/ {for (i = 1; i <= NF; i++) if ($i ~ /Mbps/) print $(i-1)}' "$WORK/replay.txt" | head -1)
    stats=$(grep '"type":"stats"' "$WORK/live.json" || { cat "$WORK/live.err" >&2; exit 1; })
    seen=$(sed -E 's/.*"packets":([0-9]+).*/\1/' <<<"$stats")
    drops=$(sed -E 's/.*"kernel_drops":([0-9]+|null).*/\1/' <<<"$stats")
    printf '| %-9s | %12s | %12s | %12s | %12s | %10s |\n' "$rate" "$sent" "${mbps%,}" "$seen" "$drops" \
        "$(awk -v d="$drops" -v s="$sent" 'BEGIN {printf "%.2f", (s > 0) ? 100 * d / s : 0}')"
done

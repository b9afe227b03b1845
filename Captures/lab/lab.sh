#!/usr/bin/env bash
# Blockscope DPI lab: client — middlebox — server in network namespaces that
# this script creates; the middlebox plays the DPI box with netfilter rules.
# Each scenario records the client-side capture into Captures/<scenario>.pcap
# and writes Captures/<scenario>.truth.json (derived from the capture by
# analyze.py, which also checks that the scenario really did what it says).
#
#   Captures/lab/lab.sh list
#   Captures/lab/lab.sh check          (root and every tool present? exit 0/2)
#   Captures/lab/lab.sh record <scenario>|all [--out DIR] [--live BLOCKSCOPE]
#   Captures/lab/lab.sh soak --out DIR --live BLOCKSCOPE [--seconds N]
#   Captures/lab/cleanup.sh            (removes leftovers of a crashed run)
#
# --out DIR writes DIR/<scenario>.pcap and .truth.json instead of Captures/
# (tests use a temporary directory; they never overwrite Captures/).
# --live BLOCKSCOPE also runs `BLOCKSCOPE live -i c0 --json` in the client
# namespace alongside tcpdump (same filter), stops it with SIGINT right
# after tcpdump, and keeps its output as DIR/<scenario>.live.json (stderr:
# .live.log). `soak` is a separate load run of live mode (see soak_run).
#
# Safety: every address is a documentation address (192.0.2.0/24,
# 198.51.100.0/24, 203.0.113.0/24, 2001:db8::/32); no default routes; the
# host's own namespace is never configured (veths are created inside the lab
# namespaces). Namespaces are named bs-{c,m,s}-<pid>. Every process is
# started with `timeout` and killed by PID on exit (EXIT/INT/TERM).
set -euo pipefail

LAB="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CAPS="$(dirname "$LAB")"
OUT="$CAPS"
LIVE_BIN=""
PY="${PYTHON:-python3}"
TOOLS="$LAB/labtools.py"

SCENARIOS=(benign-normal sni-rst-injection sni-silent-drop syn-drop-address
           tcp-freeze-16k tcp-freeze-32k sni-throttle-128k stun-drop-cookie
           call-media-cutoff quic-drop facetime-setup-blocked
           port-closed lossy-completed server-silent
           stun-drop-cookie-v6 quic-drop-v6 sni-throttle-128k-v6
           turn-allocate-working turn-allocate-blocked facetime-push-443)

# Lab addresses.
C4=192.0.2.2;  M4C=192.0.2.1;  M4S=198.51.100.1; M4X=203.0.113.1
S4=198.51.100.2; X4=203.0.113.2
C6=2001:db8:1::2; M6C=2001:db8:1::1; M6S=2001:db8:2::1; S6=2001:db8:2::2
TRIGGER=facetime.apple.com
CONTROL=www.example.com
SNAPLEN=1600
SERVE=120   # seconds every server lives (a scenario may raise it before starting them)
MAX_PCAP_BYTES=2000000

SC="-"
# Started with SIGTERM blocked (a child inherits its parent thread's signal
# mask; test threads block most signals), the servers, tcpdump and blockscope
# live would ignore `timeout` and our kills: refuse instead of hanging.
SIGBLK="$(awk '/^SigBlk:/ {print $2}' /proc/$$/status)"
if (( 0x$SIGBLK & (1 << (15 - 1)) )); then
    echo "lab: started with SIGTERM blocked (SigBlk $SIGBLK): timeout and our kills would not stop the lab's processes; start lab.sh with an empty signal mask" >&2
    exit 2
fi
die() { echo "lab[$SC]: FAILED: $*" >&2; exit 1; }
log() { echo "lab[$SC]: $*" >&2; }

check_tools() {
    local missing=() t
    for t in ip iptables ip6tables iptables-save nft tcpdump tshark curl openssl timeout ss \
             turnserver ethtool ping "$PY"; do
        command -v "$t" >/dev/null 2>&1 || missing+=("$t")
    done
    "$PY" -c 'import aioquic' 2>/dev/null || missing+=("python module aioquic")
    if ((${#missing[@]})); then
        echo "lab: missing tools: ${missing[*]}" >&2
        echo "lab: apt-get install -y iproute2 iptables nftables tcpdump tshark curl openssl coturn ethtool iputils-ping python3-pip; pip install aioquic" >&2
        exit 2
    fi
}

# ------------------------------------------------------------ cleanup
PIDS=()
BG=()
NSES=()
TMP=""
TCPDUMP_PID=""

kill_pid() {
    local pid=$1 i
    kill -0 "$pid" 2>/dev/null || return 0
    kill -TERM "$pid" 2>/dev/null || true
    for i in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}

cleanup() {
    local rc=$? pid ns
    trap - EXIT INT TERM
    [[ -n "$TCPDUMP_PID" ]] && kill_pid "$TCPDUMP_PID"
    for pid in "${PIDS[@]}"; do kill_pid "$pid"; done
    # Anything still running inside our own namespaces was started by us.
    for ns in "${NSES[@]}"; do
        for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null || true; done
    done
    for ns in "${NSES[@]}"; do ip netns del "$ns" 2>/dev/null || true; done
    [[ -n "$TMP" && -z "${KEEP_TMP:-}" ]] && rm -rf "$TMP"
    exit "$rc"
}

# wait_for CMD...: poll (max ~5 s) until CMD succeeds.
wait_for() { local i; for i in $(seq 1 50); do "$@" && return 0; sleep 0.1; done; return 1; }
listening() { ip netns exec "$1" ss -Hl"$2"n "sport = :$3" | grep -q .; }

# bg_ns NS SECONDS LOGFILE CMD... : background process in a namespace.
bg_ns() {
    local ns=$1 t=$2 logf=$3; shift 3
    ip netns exec "$ns" timeout "$t" "$@" >"$logf" 2>&1 &
    PIDS+=($!)
}

# mb CMD... : run a command in the middlebox namespace and record it.
mb() {
    ip netns exec "$NS_M" "$@"
    printf '%s\n' "$*" >>"$TMP/rules.txt"
}

# ----------------------------------------------------------- topology
topology() {
    local ns
    NS_C=bs-c-$$; NS_M=bs-m-$$; NS_S=bs-s-$$
    for ns in "$NS_C" "$NS_M" "$NS_S"; do
        ip netns add "$ns"
        NSES+=("$ns")
        ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.accept_ra=0 \
            net.ipv6.conf.default.accept_ra=0 net.ipv6.conf.all.router_solicitations=0 \
            net.ipv6.conf.default.router_solicitations=0 net.ipv6.conf.all.dad_transmits=0 \
            net.ipv6.conf.default.dad_transmits=0 >/dev/null
        ip -n "$ns" link set lo up
    done
    # veths are created inside the lab namespaces, never in the host's.
    ip -n "$NS_C" link add c0 type veth peer name m0 netns "$NS_M"
    ip -n "$NS_M" link add m1 type veth peer name s0 netns "$NS_S"
    ip -n "$NS_C" addr add "$C4/24" dev c0
    ip -n "$NS_C" addr add "$C6/64" dev c0 nodad
    ip -n "$NS_M" addr add "$M4C/24" dev m0
    ip -n "$NS_M" addr add "$M6C/64" dev m0 nodad
    ip -n "$NS_M" addr add "$M4S/24" dev m1
    ip -n "$NS_M" addr add "$M4X/24" dev m1
    ip -n "$NS_M" addr add "$M6S/64" dev m1 nodad
    ip -n "$NS_S" addr add "$S4/24" dev s0
    ip -n "$NS_S" addr add "$X4/24" dev s0
    ip -n "$NS_S" addr add "$S6/64" dev s0 nodad
    for dev in "$NS_C c0" "$NS_M m0" "$NS_M m1" "$NS_S s0"; do
        set -- $dev
        ip -n "$1" link set "$2" up
        # Real-size frames on the wire (no TSO/GSO/GRO super-packets).
        ip netns exec "$1" ethtool -K "$2" tso off gso off gro off >/dev/null 2>&1 || true
    done
    ip -n "$NS_C" route add 198.51.100.0/24 via "$M4C"
    ip -n "$NS_C" route add 203.0.113.0/24 via "$M4C"
    ip -n "$NS_C" -6 route add 2001:db8:2::/64 via "$M6C"
    ip -n "$NS_S" route add 192.0.2.0/24 via "$M4S"
    ip -n "$NS_S" -6 route add 2001:db8:1::/64 via "$M6S"
    ip netns exec "$NS_M" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 >/dev/null
    # Server packets arrive ~6 hops away (64 - 1 forward - 5 = 58); packets
    # the middlebox itself makes (REJECT's RST) keep TTL 64. FORWARD, not
    # POSTROUTING, so that the middlebox's own packets are not decremented.
    printf '# base (every scenario): make the server look 6 hops away\n' >>"$TMP/rules.txt"
    mb iptables -t mangle -A FORWARD -i m1 -j TTL --ttl-dec 5
    mb ip6tables -t mangle -A FORWARD -i m1 -j HL --hl-dec 5
    ip netns exec "$NS_M" sysctl -qw net.netfilter.nf_conntrack_acct=1 >/dev/null 2>&1 || true
    printf '# scenario rules\n' >>"$TMP/rules.txt"
    for a in "$S4" "$X4" "$S6"; do
        ip netns exec "$NS_C" ping -c 1 -W 2 "$a" >/dev/null || die "lab topology: $a unreachable"
    done
}

gen_cert() {
    timeout 20 openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
        -subj "/CN=$TRIGGER" \
        -addext "subjectAltName=DNS:$TRIGGER,DNS:init.ess.apple.com,DNS:identity.ess.apple.com,DNS:$CONTROL" \
        -keyout "$TMP/key.pem" -out "$TMP/cert.pem" >"$TMP/req.log" 2>&1 \
        || { cat "$TMP/req.log" >&2; die "openssl req failed"; }
}

# ------------------------------------------------------------ servers
start_tls_server() {
    bg_ns "$NS_S" "$SERVE" "$TMP/tls-server.log" "$PY" "$TOOLS" tls-server --time-limit "$SERVE" \
        --bind "$S4" --bind "$X4" --bind "$S6" --port 443 --push-port 5223 \
        --cert "$TMP/cert.pem" --key "$TMP/key.pem" --big-bytes 200000
    wait_for listening "$NS_S" t 443 && wait_for listening "$NS_S" t 5223 \
        || { cat "$TMP/tls-server.log" >&2; die "tls server not listening"; }
}
start_silent_server() {
    bg_ns "$NS_S" "$SERVE" "$TMP/silent-server.log" "$PY" "$TOOLS" silent-server --time-limit "$SERVE" \
        --bind "$S4" --bind "$S6" --port 443
    wait_for listening "$NS_S" t 443 || die "silent server not listening"
}
start_quic_server() {
    bg_ns "$NS_S" "$SERVE" "$TMP/quic-server.log" "$PY" "$TOOLS" quic-server --time-limit "$SERVE" \
        --bind "$S4" --bind "$S6" --port 443 --cert "$TMP/cert.pem" --key "$TMP/key.pem"
    wait_for listening "$NS_S" u 443 || { cat "$TMP/quic-server.log" >&2; die "quic server not listening"; }
}
start_coturn() {
    cat >"$TMP/turnserver.conf" <<EOF
listening-ip=$S4
listening-ip=$X4
listening-ip=$S6
listening-port=3478
relay-ip=$S4
relay-ip=$S6
min-port=49152
max-port=49200
fingerprint
lt-cred-mech
user=lab:labpass
realm=lab.example
no-tls
no-dtls
no-cli
no-multicast-peers
pidfile=$TMP/turnserver.pid
userdb=$TMP/turndb
log-file=stdout
simple-log
EOF
    bg_ns "$NS_S" "$SERVE" "$TMP/turnserver.log" turnserver -c "$TMP/turnserver.conf"
    wait_for listening "$NS_S" u 3478 || { tail -20 "$TMP/turnserver.log" >&2; die "coturn not listening"; }
}
start_call_server() {  # ADDR PORT
    bg_ns "$NS_S" "$SERVE" "$TMP/call-server-$2.log" "$PY" "$TOOLS" call-server --bind "$1" --port "$2" --time-limit "$SERVE"
    wait_for listening "$NS_S" u "$2" || die "call server $1:$2 not listening"
}
start_udp_echo() {  # ADDR PORT
    bg_ns "$NS_S" "$SERVE" "$TMP/udp-echo-$2.log" "$PY" "$TOOLS" udp-echo --bind "$1:$2" --time-limit "$SERVE"
    wait_for listening "$NS_S" u "$2" || die "udp echo $1:$2 not listening"
}

# ------------------------------------------------------------ capture
# TCP, UDP and ICMP errors; no ARP/NDP/MLD housekeeping.
CAPTURE_FILTER='tcp or udp or icmp or (icmp6 and ip6[40] < 128)'
start_capture() {
    # --immediate-mode: every packet is handed over at once (as blockscope
    # live does), none left in a half-filled TPACKET_V3 block at SIGINT.
    ip netns exec "$NS_C" tcpdump -i c0 -n -U --immediate-mode -Z root -s "$SNAPLEN" -w "$TMP/cap.pcap" \
        "$CAPTURE_FILTER" 2>"$TMP/tcpdump.log" &
    TCPDUMP_PID=$!
    tcpdump_ready() { grep -q 'listening on' "$TMP/tcpdump.log" && [[ -e "$TMP/cap.pcap" ]]; }
    wait_for tcpdump_ready || { cat "$TMP/tcpdump.log" >&2; die "tcpdump did not start"; }
    [[ -n "$LIVE_BIN" ]] && start_live "$CAPTURE_FILTER"
    sleep 0.5
}
stop_capture() {
    # Quiet first (a call server streams 1.5 s past its caller), then stop
    # tcpdump and blockscope live with one kill, so that both saw the same.
    sleep 2
    if [[ -n "$LIVE_PID" ]]; then kill -INT "$TCPDUMP_PID" "$LIVE_PID"; else kill -INT "$TCPDUMP_PID"; fi
    local i
    for i in $(seq 1 50); do kill -0 "$TCPDUMP_PID" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$TCPDUMP_PID" 2>/dev/null && die "tcpdump ignored SIGINT for 5 s"
    wait "$TCPDUMP_PID" || true
    TCPDUMP_PID=""
    grep -E 'captured|dropped' "$TMP/tcpdump.log" >&2 || true
    grep -qE '^0 packets dropped by kernel' "$TMP/tcpdump.log" || die "tcpdump lost packets: $(grep dropped "$TMP/tcpdump.log")"
    [[ -n "$LIVE_PID" ]] && stop_live signalled
    return 0
}

# start_live [FILTER]: `blockscope live -i c0 --json --threads 2` in the client
# namespace (two threads whatever the machine: the lab checks that the
# writing thread reports what offline analysis of tcpdump's capture does).
# `ip netns exec` execs the binary, so $! is blockscope's own PID. It drops
# root to nobody once its capture is open: the uid change means it listens.
LIVE_PID=""
start_live() {
    local args=(live -i c0 --json --threads 2)
    [[ -n "${1:-}" ]] && args+=(--filter "$1")
    ip netns exec "$NS_C" "$LIVE_BIN" "${args[@]}" >"$TMP/live.json" 2>"$TMP/live.log" &
    LIVE_PID=$!
    PIDS+=("$LIVE_PID")
    live_ready() { [[ "$(awk '/^Uid:/ {print $2}' "/proc/$LIVE_PID/status" 2>/dev/null)" == "$(id -u nobody)" ]]; }
    wait_for live_ready || { cat "$TMP/live.log" >&2; die "blockscope live did not start"; }
}
# stop_live [signalled]: SIGINT (unless sent already), then wait (bounded)
# for its report; exit status 0 or 3 (3: something was called blocked or
# throttled) is a clean stop.
stop_live() {
    local i rc=0
    [[ "${1:-}" == signalled ]] || kill -INT "$LIVE_PID"
    for i in $(seq 1 100); do kill -0 "$LIVE_PID" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$LIVE_PID" 2>/dev/null && die "blockscope live ignored SIGINT for 10 s"
    wait "$LIVE_PID" || rc=$?
    LIVE_PID=""
    [[ $rc == 0 || $rc == 3 || $rc == 4 ]] || { cat "$TMP/live.log" >&2; die "blockscope live exited with $rc"; }
}

# --------------------------------------------------------- client side
# run_client LABEL SECONDS CMD... : run in the client namespace; record
# LABEL, exit code and the last stdout line (JSON) in outcomes.tsv.
run_client() {
    local label=$1 t=$2 rc=0 last; shift 2
    ip netns exec "$NS_C" timeout "$t" "$@" >"$TMP/out.$label" 2>"$TMP/err.$label" || rc=$?
    last="$(tail -n 1 "$TMP/out.$label" | tr -d '\t')"
    printf '%s\t%s\t%s\n' "$label" "$rc" "$last" >>"$TMP/outcomes.tsv"
    log "client $label: rc=$rc $last $(tail -n 1 "$TMP/err.$label")"
}
run_client_bg() { run_client "$@" & BG+=($!); PIDS+=($!); }
wait_bg() { local p; for p in "${BG[@]}"; do wait "$p" || true; done; BG=(); }

# curl_tls LABEL MAXTIME NAME ADDR PORT PATH [curl args...]
curl_tls() {
    local label=$1 maxt=$2 name=$3 addr=$4 port=$5 path=$6; shift 6
    local res="$name:$port:$addr"
    [[ $addr == *:* ]] && res="$name:$port:[$addr]"
    run_client "$label" $((maxt + 5)) curl -sS -k --http1.1 --resolve "$res" --max-time "$maxt" "$@" \
        -o /dev/null -w '{"http_code":"%{http_code}","size_download":%{size_download},"time_total":%{time_total},"speed_download":%{speed_download}}\n' \
        "https://$name:$port$path"
}
curl_tls_bg() { curl_tls "$@" & BG+=($!); PIDS+=($!); }

# ------------------------------------------------------------ scenarios
sc_benign_normal() {
    DESC="No middlebox rule. TLS 1.3 downloads (200 KB) to the trigger name facetime.apple.com and the control name www.example.com over IPv4 and IPv6, a STUN Binding to coturn, a UDP call (STUN checks + RTP-like media both ways, 4 s) and a QUIC connection (aioquic, ALPN hq-interop) all complete."
    start_tls_server; start_quic_server; start_coturn; start_call_server "$S4" 16393
    start_capture
    curl_tls trig4 15 "$TRIGGER" "$S4" 443 /big
    curl_tls ctrl4 15 "$CONTROL" "$S4" 443 /big
    curl_tls trig6 15 "$TRIGGER" "$S6" 443 /big
    curl_tls ctrl6 15 "$CONTROL" "$S6" 443 /big
    run_client stun 15 "$PY" "$TOOLS" stun-client --server "$S4" --port 3478
    run_client call 15 "$PY" "$TOOLS" call-client --server "$S4" --port 16393 --media-time 4
    run_client quic 12 "$PY" "$TOOLS" quic-client --server "$S4" --port 443 --sni "$TRIGGER"
}

sc_sni_rst_injection() {
    DESC="The middlebox matches the string facetime.apple.com in TCP/443 packets (the SNI in the ClientHello), drops that packet and answers the client with a RST (REJECT --reject-with tcp-reset) that carries the middlebox's TTL 64 while the server's packets arrive with TTL 58. The control SNI www.example.com on the same server completes. IPv4 and IPv6, then two more IPv4 attempts ~10 s apart, each with its control (4 trigger attempts over ~20 s)."
    start_tls_server
    mb iptables -A FORWARD -p tcp --dport 443 -m string --string "$TRIGGER" --algo bm -j REJECT --reject-with tcp-reset
    mb ip6tables -A FORWARD -p tcp --dport 443 -m string --string "$TRIGGER" --algo bm -j REJECT --reject-with tcp-reset
    start_capture
    curl_tls trig4 10 "$TRIGGER" "$S4" 443 /big
    curl_tls ctrl4 15 "$CONTROL" "$S4" 443 /big
    curl_tls trig6 10 "$TRIGGER" "$S6" 443 /big
    curl_tls ctrl6 15 "$CONTROL" "$S6" 443 /big
    local n
    for n in 2 3; do
        sleep 10
        curl_tls "trig4-$n" 10 "$TRIGGER" "$S4" 443 /big
        curl_tls "ctrl4-$n" 15 "$CONTROL" "$S4" 443 /small
    done
}

sc_sni_silent_drop() {
    DESC="The middlebox connmarks a TCP/443 connection whose packet contains facetime.apple.com (the ClientHello) and silently drops that packet and everything after it in both directions. The client's ClientHello is retransmitted unacknowledged until curl gives up (--max-time 12). Control SNI completes. IPv4 and IPv6, then two more IPv4 attempts ~10 s apart, each with its control (4 trigger attempts over ~35 s)."
    start_tls_server
    mb iptables -t mangle -A PREROUTING -p tcp --dport 443 -m string --string "$TRIGGER" --algo bm -j CONNMARK --set-mark 1
    mb iptables -A FORWARD -m connmark --mark 1 -j DROP
    mb ip6tables -t mangle -A PREROUTING -p tcp --dport 443 -m string --string "$TRIGGER" --algo bm -j CONNMARK --set-mark 1
    mb ip6tables -A FORWARD -m connmark --mark 1 -j DROP
    start_capture
    curl_tls ctrl4 15 "$CONTROL" "$S4" 443 /big
    curl_tls ctrl6 15 "$CONTROL" "$S6" 443 /big
    curl_tls_bg trig4 12 "$TRIGGER" "$S4" 443 /big
    curl_tls_bg trig6 12 "$TRIGGER" "$S6" 443 /big
    local n
    for n in 2 3; do
        sleep 10
        curl_tls "ctrl4-$n" 15 "$CONTROL" "$S4" 443 /small
        curl_tls_bg "trig4-$n" 12 "$TRIGGER" "$S4" 443 /big
    done
    wait_bg
}

sc_syn_drop_address() {
    DESC="The middlebox drops every TCP SYN to 203.0.113.2 (address block). The client retransmits its SYN (this kernel, 6.x with net.ipv4.tcp_syn_linear_timeouts=4: 1 s apart four times, then doubling) and curl gives up after --connect-timeout 8. The same name on 198.51.100.2 (control address) completes."
    start_tls_server
    mb iptables -A FORWARD -d "$X4" -p tcp --syn -j DROP
    start_capture
    curl_tls ctrl4 15 "$TRIGGER" "$S4" 443 /big
    curl_tls trig4 10 "$TRIGGER" "$X4" 443 /big --connect-timeout 8
}

freeze() {  # BYTES
    local n=$1
    DESC="A TCP/443 connection whose ClientHello contains facetime.apple.com is connmarked; once the connection's reply direction has carried $n bytes (IP bytes, connbytes), the middlebox drops every further packet of it in both directions (TSPU 'TCP 16-20' freeze). The client downloads a 200 KB body with --max-time 15: data stops short of $n bytes with no RST/FIN; later client packets go unanswered. Control SNI on the same server completes. IPv4 and IPv6."
    start_tls_server
    mb iptables -t mangle -A PREROUTING -p tcp --dport 443 -m string --string "$TRIGGER" --algo bm -j CONNMARK --set-mark 2
    mb iptables -A FORWARD -m connmark --mark 2 -m connbytes --connbytes "$n:" --connbytes-dir reply --connbytes-mode bytes -j DROP
    mb ip6tables -t mangle -A PREROUTING -p tcp --dport 443 -m string --string "$TRIGGER" --algo bm -j CONNMARK --set-mark 2
    mb ip6tables -A FORWARD -m connmark --mark 2 -m connbytes --connbytes "$n:" --connbytes-dir reply --connbytes-mode bytes -j DROP
    start_capture
    curl_tls ctrl4 15 "$CONTROL" "$S4" 443 /big
    curl_tls ctrl6 15 "$CONTROL" "$S6" 443 /big
    curl_tls_bg trig4 15 "$TRIGGER" "$S4" 443 /big
    curl_tls_bg trig6 15 "$TRIGGER" "$S6" 443 /big
    wait_bg
}
sc_tcp_freeze_16k() { freeze 16384; }
sc_tcp_freeze_32k() { freeze 32768; }

sc_sni_throttle_128k() {
    DESC="A TCP/443 connection whose ClientHello contains facetime.apple.com is connmarked; its server-to-client packets above 16 KiB/s (~131 kbit/s, hashlimit per connection, burst 16 KiB) are dropped (a policer, not a shaper). The throttled 200 KB download (--max-time 20) crawls with retransmissions; the control SNI on the same server runs at full speed."
    start_tls_server
    mb iptables -t mangle -A PREROUTING -p tcp --dport 443 -m string --string "$TRIGGER" --algo bm -j CONNMARK --set-mark 3
    mb iptables -A FORWARD -m connmark --mark 3 -m conntrack --ctdir REPLY -m hashlimit --hashlimit-name bsthrottle --hashlimit-above 16kb/s --hashlimit-burst 16kb --hashlimit-mode srcip,srcport,dstip,dstport -j DROP
    start_capture
    curl_tls ctrl4 15 "$CONTROL" "$S4" 443 /big
    curl_tls trig4 20 "$TRIGGER" "$S4" 443 /big
}

sc_stun_drop_cookie() {
    DESC="The middlebox drops every UDP datagram with the STUN magic cookie 0x2112A442 at payload offset 4 (u32 match). STUN Binding requests to coturn on 198.51.100.2:3478 and 203.0.113.2:3478 are retransmitted per RFC 8489 (500 ms, doubling; 5 sends, give up 2 s after the last) and go unanswered. A control UDP echo (non-STUN payload) to 198.51.100.2:5000 works."
    start_coturn; start_udp_echo "$S4" 5000
    mb iptables -A FORWARD -p udp -m u32 --u32 "0>>22&0x3C@12=0x2112A442" -j DROP
    start_capture
    run_client ctrl-udp 10 "$PY" "$TOOLS" udp-probe --server "$S4" --port 5000 --count 5
    run_client_bg stun-s4 15 "$PY" "$TOOLS" stun-client --server "$S4" --port 3478
    run_client_bg stun-x4 15 "$PY" "$TOOLS" stun-client --server "$X4" --port 3478
    wait_bg
}

sc_call_media_cutoff() {
    DESC="Two UDP calls (STUN connectivity check, then RTP-like media at 50 pps both ways): to 198.51.100.2:16393 (trigger) and 203.0.113.2:16394 (control). About 4 s into the media the scenario adds a middlebox rule dropping the trigger call's inbound media; the client keeps sending for ~5 s more with nothing coming back. The control call continues both ways."
    start_call_server "$S4" 16393; start_call_server "$X4" 16394
    start_capture
    run_client_bg call-trig 20 "$PY" "$TOOLS" call-client --server "$S4" --port 16393 --media-time 9
    run_client_bg call-ctrl 20 "$PY" "$TOOLS" call-client --server "$X4" --port 16394 --media-time 9
    sleep 4
    printf '# added ~4 s into the call:\n' >>"$TMP/rules.txt"
    mb iptables -I FORWARD -p udp -s "$S4" --sport 16393 -j DROP
    wait_bg
}

sc_quic_drop() {
    DESC="The middlebox drops UDP/443 datagrams whose first payload byte marks a QUIC long-header Initial (byte & 0xB0 == 0x80, u32 match). The aioquic client (ALPN hq-interop, SNI facetime.apple.com) retransmits its Initial on PTO and gives up after 8 s. TLS over TCP to the same server (control) works."
    start_tls_server; start_quic_server
    mb iptables -A FORWARD -p udp --dport 443 -m u32 --u32 "0>>22&0x3C@8>>24&0xB0=0x80" -j DROP
    start_capture
    curl_tls ctrl4 15 "$TRIGGER" "$S4" 443 /small
    run_client quic 12 "$PY" "$TOOLS" quic-client --server "$S4" --port 443 --sni "$TRIGGER" --time-limit 8
}

sc_facetime_setup_blocked() {
    DESC="FaceTime-like call setup blocked, three call attempts over two minutes: the TLS push connection (SNI init.ess.apple.com, TCP 5223, a ping/pong every second for 130 s) stays alive, but the middlebox drops UDP to 198.51.100.2 on 3478-3497 and 16384-16402. At ~1 s, ~61 s and ~121 s the user tries a call: STUN Binding requests to the relay 198.51.100.2:3478 and RTP-like media to 198.51.100.2:16393 (fresh ports each attempt) get nothing back, while a control STUN to coturn on another host (203.0.113.2:3478) is answered each time."
    SERVE=200
    start_tls_server; start_coturn; start_call_server "$S4" 16393
    mb iptables -A FORWARD -p udp -d "$S4" -m multiport --dports 3478:3497,16384:16402 -j DROP
    start_capture
    run_client_bg push 150 "$PY" "$TOOLS" push-client --server "$S4" --port 5223 --sni init.ess.apple.com --count 130
    local n t_attempt
    for n in 1 2 3; do
        t_attempt=$SECONDS
        sleep 1
        run_client_bg "stun-relay-$n" 15 "$PY" "$TOOLS" stun-client --server "$S4" --port 3478
        run_client_bg "media-$n" 15 "$PY" "$TOOLS" call-client --server "$S4" --port 16393 --check-time 0 --media-anyway --media-time 5
        run_client_bg "stun-ctrl-$n" 15 "$PY" "$TOOLS" stun-client --server "$X4" --port 3478
        ((n == 3)) || sleep $((60 - (SECONDS - t_attempt)))
    done
    wait_bg
}

sc_facetime_push_443() {
    DESC="Apple push falls back to 443: the middlebox drops every TCP SYN to port 5223 (Apple push's own port). The push client (SNI 1-courier.push.apple.com, ALPN apns-security-v3) retransmits its SYN to 198.51.100.2:5223 for 5 s, gives up and connects to 443 of the same server, where the connection stays alive (a ping/pong every second for 10 s). FaceTime's call setup then works: a STUN Binding to coturn on 198.51.100.2:3478 is answered."
    start_coturn
    bg_ns "$NS_S" "$SERVE" "$TMP/push-server.log" "$PY" "$TOOLS" tls-server --time-limit "$SERVE" --bind "$S4" --port 0 \
        --push-port 5223 --push-port 443 --cert "$TMP/cert.pem" --key "$TMP/key.pem"
    wait_for listening "$NS_S" t 443 || { cat "$TMP/push-server.log" >&2; die "push server not listening"; }
    mb iptables -A FORWARD -p tcp --dport 5223 --syn -j DROP
    start_capture
    run_client_bg push 40 "$PY" "$TOOLS" push-client --server "$S4" --port 5223 --fallback-port 443 \
        --sni 1-courier.push.apple.com --alpn apns-security-v3 --count 10 --connect-timeout 5
    sleep 8
    run_client_bg stun 15 "$PY" "$TOOLS" stun-client --server "$S4" --port 3478
    wait_bg
}

sc_stun_drop_cookie_v6() {
    DESC="IPv6 variant of stun-drop-cookie, with an nftables payload match instead of u32: the middlebox drops every UDP datagram whose payload carries the STUN magic cookie 0x2112A442 at offset 4 (@th,96,32). STUN Binding requests to coturn on [2001:db8:2::2]:3478 are retransmitted per RFC 8489 and go unanswered; a control UDP echo (non-STUN payload) to [2001:db8:2::2]:5000 works."
    start_coturn; start_udp_echo "[$S6]" 5000
    mb nft add table inet bslab
    mb nft add chain inet bslab bsforward '{ type filter hook forward priority 0; }'
    mb nft add rule inet bslab bsforward meta nfproto ipv6 meta l4proto udp @th,96,32 0x2112a442 counter drop
    start_capture
    run_client ctrl-udp6 10 "$PY" "$TOOLS" udp-probe --server "$S6" --port 5000 --count 5
    run_client stun-s6 15 "$PY" "$TOOLS" stun-client --server "$S6" --port 3478
}

sc_quic_drop_v6() {
    DESC="IPv6 variant of quic-drop, with an nftables payload match: the middlebox drops UDP/443 datagrams whose first payload byte marks a QUIC long-header Initial (@th,64,8 & 0xb0 == 0x80). The aioquic client (SNI facetime.apple.com) to [2001:db8:2::2]:443 retransmits its Initial on PTO and gives up after 8 s. TLS over TCP to the same server (control) works."
    start_tls_server; start_quic_server
    mb nft add table inet bslab
    mb nft add chain inet bslab bsforward '{ type filter hook forward priority 0; }'
    mb nft add rule inet bslab bsforward meta nfproto ipv6 udp dport 443 @th,64,8 \& 0xb0 == 0x80 counter drop
    start_capture
    curl_tls ctrl6 15 "$TRIGGER" "$S6" 443 /small
    run_client quic6 12 "$PY" "$TOOLS" quic-client --server "$S6" --port 443 --sni "$TRIGGER" --time-limit 8
}

sc_sni_throttle_128k_v6() {
    DESC="IPv6 variant of sni-throttle-128k: a TCP/443 connection whose ClientHello contains facetime.apple.com is connmarked; its server-to-client packets above 16 KiB/s (hashlimit per connection, burst 16 KiB) are dropped (a policer). The throttled 200 KB download from [2001:db8:2::2] (--max-time 20) crawls with retransmissions; the control SNI on the same server runs at full speed."
    start_tls_server
    mb ip6tables -t mangle -A PREROUTING -p tcp --dport 443 -m string --string "$TRIGGER" --algo bm -j CONNMARK --set-mark 3
    mb ip6tables -A FORWARD -m connmark --mark 3 -m conntrack --ctdir REPLY -m hashlimit --hashlimit-name bsthrottle6 --hashlimit-above 16kb/s --hashlimit-burst 16kb --hashlimit-mode srcip,srcport,dstip,dstport -j DROP
    start_capture
    curl_tls ctrl6 15 "$CONTROL" "$S6" 443 /big
    curl_tls trig6 20 "$TRIGGER" "$S6" 443 /big
}

sc_turn_allocate_working() {
    DESC="TURN works: coturn on 198.51.100.2:3478 with the long-term credential mechanism. The client's first Allocate gets 401 Unauthorized with REALM and NONCE; the authenticated Allocate (USERNAME, REALM, NONCE, MESSAGE-INTEGRITY) gets a Success Response with a relayed address; a Refresh with LIFETIME 0 frees it. No middlebox rule. A STUN Binding to the same server is answered too."
    start_coturn
    start_capture
    run_client stun 15 "$PY" "$TOOLS" stun-client --server "$S4" --port 3478
    run_client turn 20 "$PY" "$TOOLS" turn-client --server "$S4" --port 3478
}

sc_turn_allocate_blocked() {
    DESC="TURN blocked: the middlebox drops UDP datagrams carrying a STUN Allocate request (message type 0x0003 and the magic cookie, u32 match), so relaying is impossible, while STUN Binding to the same coturn (198.51.100.2:3478) is answered (control). The client's Allocate is retransmitted per RFC 8489 (5 sends over 7.5 s) and gets nothing back, so it never reaches the 401/authenticated step."
    start_coturn
    mb iptables -A FORWARD -p udp -m u32 --u32 "0>>22&0x3C@8>>16=0x0003&&0>>22&0x3C@12=0x2112A442" -j DROP
    start_capture
    run_client stun 15 "$PY" "$TOOLS" stun-client --server "$S4" --port 3478
    run_client turn 20 "$PY" "$TOOLS" turn-client --server "$S4" --port 3478
}

sc_port_closed() {
    DESC="Benign: nothing listens on TCP 8443 of the server; its kernel answers the SYN with RST/ACK (ECONNREFUSED). The RST carries the server's TTL (58 here, like its other packets). No middlebox rule. Control: TLS on 443 of the same server completes. IPv4 and IPv6."
    start_tls_server
    start_capture
    curl_tls ctrl4 15 "$TRIGGER" "$S4" 443 /small
    curl_tls closed4 8 "$TRIGGER" "$S4" 8443 /small
    curl_tls closed6 8 "$TRIGGER" "$S6" 8443 /small
}

sc_lossy_completed() {
    DESC="Benign: a lossy link. The middlebox drops every 10th full-size segment from the server (statistic match, nth mode, on packets of 1000 bytes or more: data, never the handshake, ACKs or FINs, so every run loses several of the server's segments and both sides still close with FINs). Two 200 KB downloads (trigger and control names) complete, with retransmissions."
    start_tls_server
    mb iptables -A FORWARD -s "$S4" -p tcp -m length --length 1000:65535 -m statistic --mode nth --every 10 --packet 0 -j DROP
    start_capture
    curl_tls trig4 40 "$TRIGGER" "$S4" 443 /big
    curl_tls ctrl4 40 "$CONTROL" "$S4" 443 /big
}

sc_server_silent() {
    DESC="Benign/ambiguous: the server accepts TCP on 443 and never sends a byte. No middlebox rule. The ClientHello is acknowledged by the server's kernel but no ServerHello comes, for the trigger name AND the control name alike (so it is not SNI-specific); curl gives up after --max-time 12. IPv4 and IPv6."
    start_silent_server
    start_capture
    curl_tls_bg trig4 12 "$TRIGGER" "$S4" 443 /big
    curl_tls_bg ctrl4 12 "$CONTROL" "$S4" 443 /big
    curl_tls_bg trig6 12 "$TRIGGER" "$S6" 443 /big
    wait_bg
}

# ------------------------------------------------------------- record
record_one() {
    SC=$1
    local fn="sc_${SC//-/_}"
    declare -F "$fn" >/dev/null || die "unknown scenario (try: lab.sh list)"
    TMP="$(mktemp -d /tmp/bs-lab.XXXXXX)"
    trap cleanup EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    log "pid $$, namespaces bs-{c,m,s}-$$, temporary directory $TMP"
    : >"$TMP/rules.txt"; : >"$TMP/outcomes.tsv"
    local t0=$SECONDS
    topology
    gen_cert
    DESC=""
    "$fn"
    stop_capture
    { echo "## iptables-save -c"; ip netns exec "$NS_M" iptables-save -c
      echo "## ip6tables-save -c"; ip netns exec "$NS_M" ip6tables-save -c
      echo "## nft list ruleset"; ip netns exec "$NS_M" nft list ruleset 2>/dev/null; } >"$TMP/counters.txt"
    timeout 120 "$PY" "$LAB/analyze.py" --scenario "$SC" --description "$DESC" \
        --pcap "$TMP/cap.pcap" --rules "$TMP/rules.txt" --outcomes "$TMP/outcomes.tsv" \
        --counters "$TMP/counters.txt" --out "$TMP/truth.json" \
        || die "analysis/self-check failed (capture kept out of Captures/)"
    local size; size=$(stat -c %s "$TMP/cap.pcap")
    ((size < MAX_PCAP_BYTES)) || die "capture is $size bytes (limit $MAX_PCAP_BYTES)"
    install -m 0644 "$TMP/cap.pcap" "$OUT/$SC.pcap"
    install -m 0644 "$TMP/truth.json" "$OUT/$SC.truth.json"
    if [[ -n "$LIVE_BIN" ]]; then
        install -m 0644 "$TMP/live.json" "$OUT/$SC.live.json"
        install -m 0644 "$TMP/live.log" "$OUT/$SC.live.log"
    fi
    log "wrote $OUT/$SC.pcap ($size bytes) and $SC.truth.json in $((SECONDS - t0)) s"
}

# ---------------------------------------------------------------- soak
# soak_run: `blockscope live -i c0 --json` (no filter: it sees every frame on
# c0, ARP/NDP included) in the client namespace for SOAK_SECONDS while the
# client opens thousands of short flows: ~80 TCP connections/s (request,
# reply, the server closes first; IPv4 and IPv6 alternately) and ~20 UDP
# exchanges/s, each from a port of its own. Writes into --out:
#   soak.rss.tsv        seconds since live started, VmRSS in kB (every 5 s)
#   soak.live.json      live's JSON lines (flows, then stats)
#   soak.counters.json  the generator's own counts and c0's packet counters
#                       (rx+tx) from just after live listened to just before
#                       its SIGINT: live's packets + kernel_drops must cover them.
soak_run() {
    SC=soak
    TMP="$(mktemp -d /tmp/bs-lab.XXXXXX)"
    trap cleanup EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    log "pid $$, namespaces bs-{c,m,s}-$$, temporary directory $TMP"
    : >"$TMP/rules.txt"
    local t0=$SECONDS
    topology
    # Many short connections: let TIME_WAIT ports be reused (client side only).
    ip netns exec "$NS_C" sysctl -qw net.ipv4.tcp_tw_reuse=1 >/dev/null
    bg_ns "$NS_S" $((SOAK_SECONDS + 60)) "$TMP/soak-server.log" "$PY" "$TOOLS" soak-server \
        --bind "$S4" --bind "$S6" --port 7000 --time-limit $((SOAK_SECONDS + 30))
    wait_for listening "$NS_S" t 7000 && wait_for listening "$NS_S" u 7000 \
        || { cat "$TMP/soak-server.log" >&2; die "soak server not listening"; }
    start_live ""
    local live_start=$SECONDS
    counters() {
        ip netns exec "$NS_C" sh -c 'echo $(( $(cat /sys/class/net/c0/statistics/rx_packets) + $(cat /sys/class/net/c0/statistics/tx_packets) ))'
    }
    local before after gen
    before=$(counters)
    ip netns exec "$NS_C" timeout $((SOAK_SECONDS + 30)) "$PY" "$TOOLS" soak-client \
        --server "$S4" --server "$S6" --port 7000 --seconds "$SOAK_SECONDS" \
        >"$TMP/soak-client.json" 2>"$TMP/soak-client.log" &
    gen=$!
    PIDS+=("$gen")
    printf 'seconds\trss_kb\n' >"$OUT/soak.rss.tsv"
    while kill -0 "$gen" 2>/dev/null; do
        printf '%d\t%s\n' $((SECONDS - live_start)) \
            "$(awk '/^VmRSS:/ {print $2}' "/proc/$LIVE_PID/status")" >>"$OUT/soak.rss.tsv"
        sleep 5
    done
    wait "$gen" || { cat "$TMP/soak-client.log" >&2; die "soak client failed"; }
    sleep 1
    printf '%d\t%s\n' $((SECONDS - live_start)) \
        "$(awk '/^VmRSS:/ {print $2}' "/proc/$LIVE_PID/status")" >>"$OUT/soak.rss.tsv"
    after=$(counters)
    stop_live
    install -m 0644 "$TMP/live.json" "$OUT/soak.live.json"
    install -m 0644 "$TMP/live.log" "$OUT/soak.live.log"
    printf '{"interface_packets": %d, "generator": %s}\n' $((after - before)) \
        "$(tail -n 1 "$TMP/soak-client.json")" >"$OUT/soak.counters.json"
    log "soak: $(cat "$OUT/soak.counters.json")"
    log "soak: done in $((SECONDS - t0)) s"
}

CHILD=""
record_all() {
    local sc failed=() ok=() t0=$SECONDS
    trap '[[ -n "$CHILD" ]] && kill -TERM "$CHILD" 2>/dev/null; wait "$CHILD" 2>/dev/null; exit 130' INT TERM
    for sc in "${SCENARIOS[@]}"; do
        "$0" record "$sc" "${PASS[@]}" & CHILD=$!
        if wait "$CHILD"; then ok+=("$sc"); else failed+=("$sc"); fi
        CHILD=""
    done
    echo "lab: recorded ${#ok[@]}/${#SCENARIOS[@]} in $((SECONDS - t0)) s: ${ok[*]}" >&2
    ((${#failed[@]} == 0)) || { echo "lab: FAILED: ${failed[*]}" >&2; exit 1; }
}

USAGE="usage: lab.sh list | check | record <scenario>|all [--out DIR] [--live BLOCKSCOPE] | soak --out DIR --live BLOCKSCOPE [--seconds N]"
CMD="${1:-}"; ARG=""
[[ $# -gt 0 ]] && shift
[[ $CMD == record && $# -gt 0 ]] && { ARG=$1; shift; }
PASS=()
SOAK_SECONDS=150
while [[ $# -gt 0 ]]; do
    case "$1" in
        --out) [[ $# -ge 2 ]] || { echo "$USAGE" >&2; exit 2; }
               [[ -d "$2" ]] || { echo "lab: --out $2: not a directory" >&2; exit 2; }
               OUT="$(cd "$2" && pwd)"; PASS+=(--out "$OUT"); shift 2 ;;
        --live) [[ $# -ge 2 && -x "$2" ]] || { echo "lab: --live needs an executable blockscope binary" >&2; exit 2; }
                LIVE_BIN="$(cd "$(dirname "$2")" && pwd)/$(basename "$2")"; PASS+=(--live "$LIVE_BIN"); shift 2 ;;
        --seconds) [[ $# -ge 2 && $2 =~ ^[0-9]+$ && $2 -ge 20 ]] || { echo "lab: --seconds needs a number >= 20" >&2; exit 2; }
                   SOAK_SECONDS=$2; shift 2 ;;
        *) echo "$USAGE" >&2; exit 2 ;;
    esac
done
case "$CMD" in
    list) printf '%s\n' "${SCENARIOS[@]}" ;;
    check) [[ $(id -u) -eq 0 ]] || { echo "lab: must run as root" >&2; exit 2; }
           check_tools; echo "lab: root and every tool present" >&2 ;;
    record)
        [[ $(id -u) -eq 0 ]] || { echo "lab: must run as root" >&2; exit 2; }
        check_tools
        [[ -n "$ARG" ]] || { echo "$USAGE" >&2; exit 2; }
        if [[ $ARG == all ]]; then record_all; else record_one "$ARG"; fi ;;
    soak)
        [[ $(id -u) -eq 0 ]] || { echo "lab: must run as root" >&2; exit 2; }
        check_tools
        [[ -n "$LIVE_BIN" && "$OUT" != "$CAPS" ]] || { echo "$USAGE" >&2; exit 2; }
        soak_run ;;
    *) echo "$USAGE" >&2; exit 2 ;;
# `; exit` on the same line as `esac`: bash has parsed all it runs before it
# starts, so editing this file during a run cannot change that run.
esac; exit $?

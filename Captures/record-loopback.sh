#!/usr/bin/env bash
# Record Captures/loopback-facetime-tls.pcap: one small, real capture on the
# loopback interface, plus Captures/loopback-facetime-tls.truth.json describing
# it (derived from tshark's reading of the recorded file).
#
# Contents (all on 127.0.0.1, nothing leaves the machine):
#   1. TCP 8443  - a real TLS 1.3 handshake (openssl s_server / s_client,
#                  SNI facetime.apple.com, ALPN h2,http/1.1), one HTTP/1.0
#                  request line, a short response, clean close (FINs).
#   2. UDP 40000 - 5 datagrams of different sizes from 127.0.0.1:40001 to an
#                  inline python3 echo server, and their 5 echoes.
#   3. TCP 8444  - a connection attempt to a closed port (kernel RST).
#
# Usage: sudo Captures/record-loopback.sh
set -euo pipefail

HOST=127.0.0.1
TLS_PORT=8443
CLOSED_PORT=8444
UDP_PORT=40000
UDP_CLIENT_PORT=40001
SNI=facetime.apple.com
ALPN=h2,http/1.1
UDP_COUNT=5

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PCAP="$HERE/loopback-facetime-tls.pcap"
TRUTH="$HERE/loopback-facetime-tls.truth.json"

die() { echo "record-loopback: $*" >&2; exit 1; }

[[ $(id -u) -eq 0 ]] || die "must run as root (tcpdump on lo)"
for tool in tcpdump tshark openssl python3 ss timeout; do
    command -v "$tool" >/dev/null || die "missing tool: $tool"
done

# ---------------------------------------------------------------- cleanup
TMP="$(mktemp -d /tmp/blockscope-record.XXXXXX)"
TCPDUMP_PID=""
SERVER_PID=""
UDP_PID=""

cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    for pid in "$SERVER_PID" "$UDP_PID" "$TCPDUMP_PID"; do
        if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
            kill -TERM "$pid" 2>/dev/null || true
            for _ in 1 2 3 4 5 6 7 8 9 10; do
                kill -0 "$pid" 2>/dev/null || break
                sleep 0.1
            done
            kill -KILL "$pid" 2>/dev/null || true
            wait "$pid" 2>/dev/null || true
        fi
    done
    rm -rf "$TMP"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# wait_for CMD... : poll (max ~5 s) until CMD succeeds.
wait_for() {
    local i
    for i in $(seq 1 50); do
        if "$@"; then return 0; fi
        sleep 0.1
    done
    return 1
}
listening_tcp() { ss -Hltn "sport = :$1" | grep -q .; }
listening_udp() { ss -Hlun "sport = :$1" | grep -q .; }

# All ports must be free (the closed port must really be closed).
for p in "$TLS_PORT" "$CLOSED_PORT"; do
    if listening_tcp "$p"; then die "tcp port $p is in use"; fi
done
for p in "$UDP_PORT" "$UDP_CLIENT_PORT"; do
    if ss -Huan "sport = :$p" | grep -q .; then die "udp port $p is in use"; fi
done

# ------------------------------------------------------- throwaway cert
timeout 20 openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
    -nodes -days 1 -subj "/CN=$SNI" \
    -keyout "$TMP/key.pem" -out "$TMP/cert.pem" 2>"$TMP/req.log" \
    || { cat "$TMP/req.log" >&2; die "openssl req failed"; }
mkdir "$TMP/www"
printf 'blockscope loopback ok\n' > "$TMP/www/hello.txt"

# --------------------------------------------------------------- servers
# TLS server: serves files from $TMP/www (-WWW), one connection only.
(
    cd "$TMP/www"
    exec timeout 30 openssl s_server -accept "$HOST:$TLS_PORT" -naccept 1 \
        -cert "$TMP/cert.pem" -key "$TMP/key.pem" \
        -tls1_3 -alpn http/1.1 -WWW -quiet
) >"$TMP/s_server.log" 2>&1 &
SERVER_PID=$!

# UDP echo server: echoes UDP_COUNT datagrams, then exits.
timeout 30 python3 - "$HOST" "$UDP_PORT" "$UDP_COUNT" >"$TMP/udp_server.log" 2>&1 <<'PY' &
import socket, sys
host, port, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((host, port))
s.settimeout(20)
for _ in range(count):
    data, peer = s.recvfrom(65535)
    s.sendto(data, peer)
s.close()
PY
UDP_PID=$!

wait_for listening_tcp "$TLS_PORT" || { cat "$TMP/s_server.log" >&2; die "s_server not listening"; }
wait_for listening_udp "$UDP_PORT" || { cat "$TMP/udp_server.log" >&2; die "udp echo not listening"; }

# --------------------------------------------------------------- capture
FILTER="host $HOST and ((tcp and (port $TLS_PORT or port $CLOSED_PORT)) or (udp and port $UDP_PORT))"
# -Z root: keep root so tcpdump can write into Captures/ (Debian drops to
# user tcpdump otherwise). Classic pcap, microsecond timestamps (default).
tcpdump -i lo -n -U -Z root -s 262144 -w "$TMP/capture.pcap" "$FILTER" \
    2>"$TMP/tcpdump.log" &
TCPDUMP_PID=$!
tcpdump_ready() { grep -q 'listening on' "$TMP/tcpdump.log" && [[ -e "$TMP/capture.pcap" ]]; }
wait_for tcpdump_ready || { cat "$TMP/tcpdump.log" >&2; die "tcpdump did not start"; }
sleep 1

# --------------------------------------------------------------- traffic
# 1. TLS 1.3: one request line; -ign_eof keeps the client reading until the
#    server sends its response and closes.
printf 'GET /hello.txt HTTP/1.0\r\n\r\n' |
    timeout 10 openssl s_client -connect "$HOST:$TLS_PORT" \
        -servername "$SNI" -alpn "$ALPN" -ign_eof -quiet \
        >"$TMP/s_client.out" 2>"$TMP/s_client.log" \
    || { cat "$TMP/s_client.log" >&2; die "s_client failed"; }
grep -q 'blockscope loopback ok' "$TMP/s_client.out" \
    || { cat "$TMP/s_client.out" "$TMP/s_client.log" >&2; die "no TLS response"; }
wait "$SERVER_PID" || die "s_server exited with $?"
SERVER_PID=""
sleep 0.2

# 2. UDP exchange from a fixed client port.
timeout 10 python3 - "$HOST" "$UDP_PORT" "$UDP_CLIENT_PORT" "$UDP_COUNT" <<'PY' \
    || die "udp client failed"
import socket, sys
host, port, cport, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((host, cport))
s.settimeout(5)
for n in range(1, count + 1):
    payload = (b"blockscope-udp-probe-%d " % n) + b"x" * (40 * (n - 1))
    s.sendto(payload, (host, port))
    echo, _ = s.recvfrom(65535)
    if echo != payload:
        sys.exit("echo mismatch for datagram %d" % n)
s.close()
PY
wait "$UDP_PID" || die "udp echo server exited with $?"
UDP_PID=""
sleep 0.2

# 3. TCP to a closed port: expect ECONNREFUSED (kernel RST).
timeout 10 python3 - "$HOST" "$CLOSED_PORT" <<'PY' || die "closed-port probe did not get ECONNREFUSED"
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.settimeout(5)
try:
    s.connect((sys.argv[1], int(sys.argv[2])))
except ConnectionRefusedError:
    sys.exit(0)
sys.exit("connected or other outcome")
PY

# ------------------------------------------------------------ stop capture
sleep 1
kill -INT "$TCPDUMP_PID"
for _ in $(seq 1 50); do kill -0 "$TCPDUMP_PID" 2>/dev/null || break; sleep 0.1; done
wait "$TCPDUMP_PID" || true
TCPDUMP_PID=""
CAPTURED="$(sed -n 's/^\([0-9]*\) packets\{0,1\} captured.*/\1/p' "$TMP/tcpdump.log")"

# ------------------------------------------------- read back with tshark
FIELDS=(frame.number frame.time_relative frame.len ip.src ip.dst
        tcp.srcport tcp.dstport tcp.flags.syn tcp.flags.ack tcp.flags.fin
        tcp.flags.reset tcp.len udp.srcport udp.dstport udp.length
        tls.record.content_type tls.record.opaque_type tls.handshake.type
        tls.handshake.extensions_server_name tls.handshake.extensions_alpn_str
        tls.handshake.extensions.supported_version)
TSHARK_ARGS=()
for f in "${FIELDS[@]}"; do TSHARK_ARGS+=(-e "$f"); done
timeout 30 tshark -n -r "$TMP/capture.pcap" -d "tcp.port==$TLS_PORT,tls" -T fields \
    -E separator=/t -E occurrence=a -E aggregator=, "${TSHARK_ARGS[@]}" \
    >"$TMP/fields.tsv" 2>"$TMP/tshark.log" \
    || { cat "$TMP/tshark.log" >&2; die "tshark failed"; }

timeout 30 python3 - "$TMP/capture.pcap" "$TMP/fields.tsv" "$TMP/truth.json" "${CAPTURED:-}" \
    "$SNI" "$ALPN" "$TLS_PORT" "$CLOSED_PORT" "$UDP_PORT" "$UDP_COUNT" <<'PY'
import json, os, struct, sys

pcap, tsv, truth_path, captured, sni_want, alpn_want = sys.argv[1:7]
tls_port, closed_port, udp_port, udp_count = map(int, sys.argv[7:11])
fields = ["frame", "t", "len", "src", "dst", "tsport", "tdport", "syn", "ack",
          "fin", "rst", "tlen", "usport", "udport", "ulen", "ctype", "otype", "hstype",
          "sni", "alpn", "sver"]
errors = []

# File header: classic pcap, microsecond, little/big endian.
with open(pcap, "rb") as f:
    hdr = f.read(24)
magic = hdr[:4]
if magic == b"\xd4\xc3\xb2\xa1":
    endian = "<"
elif magic == b"\xa1\xb2\xc3\xd4":
    endian = ">"
else:
    endian = None
    errors.append("not a classic microsecond pcap (magic %s)" % magic.hex())
if endian:
    vmaj, vmin, _, _, snaplen, linktype = struct.unpack(endian + "HHiIII", hdr[4:])

def flag(v):
    return v in ("1", "True", "true")

rows = []
with open(tsv) as f:
    for line in f:
        vals = line.rstrip("\n").split("\t")
        vals += [""] * (len(fields) - len(vals))
        rows.append(dict(zip(fields, vals)))

flows = {}  # key: (proto, frozenset of endpoints)
for r in rows:
    if r["tsport"]:
        proto, sp, dp = "tcp", int(r["tsport"]), int(r["tdport"])
    elif r["usport"]:
        proto, sp, dp = "udp", int(r["usport"]), int(r["udport"])
    else:
        errors.append("frame %s is neither TCP nor UDP" % r["frame"])
        continue
    a, b = (r["src"], sp), (r["dst"], dp)
    key = (proto, frozenset([a, b]))
    fl = flows.get(key)
    if fl is None:
        # The first packet's sender is the client (SYN / first datagram).
        fl = flows[key] = {"proto": proto, "client": a, "server": b,
                           "frames": 0, "rows": []}
    fl["frames"] += 1
    fl["rows"].append(r)

out_flows = []
sni_seen, alpn_seen = [], []
for fl in flows.values():
    c, s = fl["client"], fl["server"]
    c2s = [r for r in fl["rows"] if (r["src"], int(r["tsport"] or r["usport"])) == c]
    s2c = [r for r in fl["rows"] if r not in c2s]
    d = {"proto": fl["proto"],
         "client": {"addr": c[0], "port": c[1]},
         "server": {"addr": s[0], "port": s[1]},
         "frames": fl["frames"],
         "frames_client_to_server": len(c2s),
         "frames_server_to_client": len(s2c),
         "first_frame": int(fl["rows"][0]["frame"]),
         "last_frame": int(fl["rows"][-1]["frame"])}
    if fl["proto"] == "tcp":
        syn = any(flag(r["syn"]) and not flag(r["ack"]) for r in c2s)
        synack = any(flag(r["syn"]) and flag(r["ack"]) for r in s2c)
        rst_s = any(flag(r["rst"]) for r in s2c)
        rst_c = any(flag(r["rst"]) for r in c2s)
        fin_c = any(flag(r["fin"]) for r in c2s)
        fin_s = any(flag(r["fin"]) for r in s2c)
        d["tcp"] = {"syn": syn, "syn_ack": synack,
                    "fin_client": fin_c, "fin_server": fin_s,
                    "rst_client": rst_c, "rst_server": rst_s,
                    "payload_bytes_client_to_server": sum(int(r["tlen"] or 0) for r in c2s),
                    "payload_bytes_server_to_client": sum(int(r["tlen"] or 0) for r in s2c)}
        hs_c = [t for r in c2s for t in r["hstype"].split(",") if t]
        hs_s = [t for r in s2c for t in r["hstype"].split(",") if t]
        # TLS 1.3 encrypted records: tshark reports the outer type as
        # tls.record.opaque_type (always 23), plaintext ones as content_type.
        def rec_types(rs):
            return [t for r in rs for k in ("ctype", "otype")
                    for t in r[k].split(",") if t]
        ct_c = rec_types(c2s)
        ct_s = rec_types(s2c)
        if "1" in hs_c:
            sni = sorted({x for r in c2s for x in r["sni"].split(",") if x})
            alpn = []
            for r in c2s:
                if "1" in r["hstype"].split(","):
                    alpn = [x for x in r["alpn"].split(",") if x]
                    break
            sver = {x for r in s2c if "2" in r["hstype"].split(",")
                    for x in r["sver"].split(",") if x}
            sni_seen += sni
            alpn_seen += alpn
            d["tls"] = {
                "client_hello": True,
                "server_hello": "2" in hs_s,
                "sni": sni[0] if len(sni) == 1 else sni,
                "alpn_offered": alpn,
                "negotiated_version": "TLS 1.3" if "0x0304" in sver else sorted(sver),
                "records_client_to_server": len(ct_c),
                "records_server_to_client": len(ct_s),
                "application_data_records_client_to_server": ct_c.count("23"),
                "application_data_records_server_to_client": ct_s.count("23"),
                "note": "TLS 1.3: ALPN selected by the server is encrypted "
                        "(EncryptedExtensions), not visible in the capture",
            }
            ok = (syn and synack and d["tls"]["server_hello"] and fin_c and fin_s
                  and ct_c.count("23") > 0 and ct_s.count("23") > 0)
            d["label"] = "completed" if ok else "incomplete"
        elif syn and not synack and rst_s:
            d["label"] = "tcp-refused"
        else:
            d["label"] = "unclassified"
    else:
        sizes_c = [int(r["ulen"]) - 8 for r in c2s]
        sizes_s = [int(r["ulen"]) - 8 for r in s2c]
        d["udp"] = {"datagrams_client_to_server": len(c2s),
                    "datagrams_server_to_client": len(s2c),
                    "payload_sizes_client_to_server": sizes_c,
                    "payload_sizes_server_to_client": sizes_s}
        d["label"] = "completed" if c2s and s2c else "one-way"
    out_flows.append(d)

out_flows.sort(key=lambda d: d["first_frame"])

# ------------------------------------------------------------ self-check
def find(proto, port):
    return [d for d in out_flows if d["proto"] == proto and d["server"]["port"] == port]
t = find("tcp", tls_port)
if len(t) != 1 or t[0]["label"] != "completed":
    errors.append("TLS flow on %d missing or not completed: %s" % (tls_port, t))
if sni_seen != [sni_want]:
    errors.append("SNI seen %r, want %r" % (sni_seen, sni_want))
if alpn_seen != alpn_want.split(","):
    errors.append("ALPN offered %r, want %r" % (alpn_seen, alpn_want))
if t and t[0].get("tls", {}).get("negotiated_version") != "TLS 1.3":
    errors.append("ServerHello did not select TLS 1.3")
if t and (t[0]["tcp"]["rst_client"] or t[0]["tcp"]["rst_server"]):
    errors.append("TLS flow contains RST (expected clean FIN close)")
r = find("tcp", closed_port)
if len(r) != 1 or r[0]["label"] != "tcp-refused":
    errors.append("no refused connection (SYN -> RST) on %d: %s" % (closed_port, r))
u = find("udp", udp_port)
if (len(u) != 1 or u[0]["udp"]["datagrams_client_to_server"] != udp_count
        or u[0]["udp"]["datagrams_server_to_client"] != udp_count
        or u[0]["udp"]["payload_sizes_client_to_server"] != u[0]["udp"]["payload_sizes_server_to_client"]):
    errors.append("UDP exchange on %d not %d datagrams each way: %s" % (udp_port, udp_count, u))
if len(out_flows) != 3:
    errors.append("expected 3 flows, got %d" % len(out_flows))
if captured and int(captured) != len(rows):
    errors.append("tcpdump captured %s packets, tshark reads %d" % (captured, len(rows)))

truth = {
    "file": "loopback-facetime-tls.pcap",
    "made_by": "Captures/record-loopback.sh (tcpdump -i lo -U -w; derived with tshark)",
    "format": {"container": "pcap",
               "timestamp_resolution": "microsecond",
               "byte_order": "little" if endian == "<" else "big",
               "version": "%d.%d" % (vmaj, vmin) if endian else None,
               "snaplen": snaplen if endian else None,
               "linktype": linktype if endian else None},
    "file_bytes": os.path.getsize(pcap),
    "frames": len(rows),
    "duration_seconds": round(float(rows[-1]["t"]), 6) if rows else 0.0,
    "sni": sni_seen[0] if len(sni_seen) == 1 else sni_seen,
    "alpn_offered": alpn_seen,
    "flows": out_flows,
}
with open(truth_path, "w") as f:
    json.dump(truth, f, indent=2)
    f.write("\n")

if errors:
    for e in errors:
        print("record-loopback: CHECK FAILED:", e, file=sys.stderr)
    sys.exit(1)
print("frames=%d flows=%d sni=%s alpn=%s bytes=%d" % (
    len(rows), len(out_flows), truth["sni"], ",".join(alpn_seen), truth["file_bytes"]))
for d in out_flows:
    print("  %s %s:%d -> %s:%d frames=%d label=%s" % (
        d["proto"], d["client"]["addr"], d["client"]["port"],
        d["server"]["addr"], d["server"]["port"], d["frames"], d["label"]))
PY
# Only a verified capture replaces the previous one.
install -m 0644 "$TMP/capture.pcap" "$PCAP"
install -m 0644 "$TMP/truth.json" "$TRUTH"
echo "record-loopback: wrote $PCAP and $TRUTH"

#!/usr/bin/env python3
"""Read a lab capture with tshark, group it into flows, match the flows to
the scenario's expectations, check that the capture shows what the scenario
claims (with the thresholds of DESIGN.md / blocking-taxonomy.md section 6),
and write the truth file. Exit 1 (and print why) when a check fails.

Called by lab.sh; everything numeric in the truth file is measured from the
capture, except the expected verdicts, which are the lab's ground truth.
"""
import argparse
import json
import os
import re
import struct
import subprocess
import sys

S4, X4, S6 = "198.51.100.2", "203.0.113.2", "2001:db8:2::2"
C4, C6 = "192.0.2.2", "2001:db8:1::2"
TRIGGER, CONTROL = "facetime.apple.com", "www.example.com"
SERVER_TTL = 58      # 64 - 1 (forward) - 5 (TTL --ttl-dec 5 on the middlebox)
MIDDLEBOX_TTL = 64   # packets the middlebox makes itself (REJECT's RST)
BIG = 200000


# The built-in rule lossy-but-completed needs ≥3 holes in the server's data filled by retransmissions.
LOSSY_MIN_RETRANSMISSIONS = 3


def E(proto, addr, port, label, verdict, cls, check, reason, sni=None, control=False,
      ok=None, **kw):
    return dict(proto=proto, addr=addr, port=port, label=label, verdict=verdict, cls=cls,
                check=check, reason=reason, sni=sni, control=control, ok=ok, params=kw)


def tls_pair(v, addr, trig_verdict, trig_cls, trig_check, trig_reason, ctrl_bytes=BIG,
             trig_ok=False, suffix="", **kw):
    fam = ("4" if ":" not in addr else "6") + suffix
    return [
        E("tcp", addr, 443, "trig" + fam, trig_verdict, trig_cls, trig_check, trig_reason,
          sni=TRIGGER, ok=trig_ok, **kw),
        E("tcp", addr, 443, "ctrl" + fam, "completed", "benign", "tls_completed",
          "control SNI on the same server: TLS 1.3 handshake and the full body arrive, clean FIN close",
          sni=CONTROL, control=True, ok=True, min_bytes=ctrl_bytes),
    ]


FREEZE_REASON = ("server data stops after ~%d bytes (the middlebox's connbytes threshold), mid-record, "
                 "no RST/FIN; later client packets unanswered; silence >= 3 s until curl gives up")

SPECS = {
    "benign-normal": [
        E("tcp", S4, 443, "trig4", "completed", "benign", "tls_completed",
          "no middlebox rule: TLS 1.3 to the trigger SNI completes with the 200 KB body", sni=TRIGGER,
          ok=True, min_bytes=BIG),
        E("tcp", S4, 443, "ctrl4", "completed", "benign", "tls_completed",
          "control SNI completes", sni=CONTROL, control=True, ok=True, min_bytes=BIG),
        E("tcp", S6, 443, "trig6", "completed", "benign", "tls_completed",
          "no middlebox rule: TLS 1.3 (IPv6) to the trigger SNI completes", sni=TRIGGER, ok=True,
          min_bytes=BIG),
        E("tcp", S6, 443, "ctrl6", "completed", "benign", "tls_completed",
          "control SNI (IPv6) completes", sni=CONTROL, control=True, ok=True, min_bytes=BIG),
        E("udp", S4, 3478, "stun", "completed", "benign", "stun_answered",
          "STUN Binding request answered by coturn (Success Response)", ok=True),
        E("udp", S4, 16393, "call", "completed", "benign", "call_completed",
          "STUN check answered, RTP-like media both ways for 4 s", ok=True),
        E("udp", S4, 443, "quic", "completed", "benign", "quic_completed",
          "QUIC handshake (aioquic, hq-interop) and one stream echo complete", ok=True),
    ],
    "sni-rst-injection":
        tls_pair("4", S4, "tls-hello-rst", "blocked", "tls_hello_rst",
                 "RST right after the ClientHello with SNI facetime.apple.com; the RST has TTL 64 "
                 "(middlebox) while the server's SYN-ACK had TTL 58; no ServerHello; control SNI works")
        + tls_pair("6", S6, "tls-hello-rst", "blocked", "tls_hello_rst",
                   "IPv6: RST right after the ClientHello, hop limit 64 vs the server's 58; control works")
        + [e for n in (2, 3) for e in tls_pair(
            "4", S4, "tls-hello-rst", "blocked", "tls_hello_rst",
            "attempt %d (~%d s later): the same RST with TTL 64 after the ClientHello" % (n, 10 * (n - 1)),
            ctrl_bytes=1, suffix="-%d" % n)],
    "sni-silent-drop":
        tls_pair("4", S4, "tls-hello-timeout", "blocked", "tls_hello_timeout",
                 "ClientHello never acknowledged, retransmitted with back-off until curl gives up "
                 "(12 s); nothing from the server after the handshake; control SNI works")
        + tls_pair("6", S6, "tls-hello-timeout", "blocked", "tls_hello_timeout",
                   "IPv6: ClientHello never acknowledged; control works")
        + [e for n in (2, 3) for e in tls_pair(
            "4", S4, "tls-hello-timeout", "blocked", "tls_hello_timeout",
            "attempt %d (~%d s later): ClientHello again never acknowledged" % (n, 10 * (n - 1)),
            ctrl_bytes=1, suffix="-%d" % n)],
    "syn-drop-address": [
        E("tcp", X4, 443, "trig4", "tcp-syn-timeout", "blocked", "tcp_syn_timeout",
          "SYNs to 203.0.113.2 retransmitted (linear 1 s steps, then 2 s: 7 SYNs in 8 s on this kernel), "
          "no SYN-ACK/RST/ICMP for 8 s; "
          "the same name on another address works", sni=None, ok=False),
        E("tcp", S4, 443, "ctrl4", "completed", "benign", "tls_completed",
          "control address 198.51.100.2, same SNI: completes", sni=TRIGGER, control=True, ok=True,
          min_bytes=BIG),
    ],
    "tcp-freeze-16k":
        tls_pair("4", S4, "tcp-freeze", "blocked", "tcp_freeze", FREEZE_REASON % 16384, limit=16384)
        + tls_pair("6", S6, "tcp-freeze", "blocked", "tcp_freeze", FREEZE_REASON % 16384, limit=16384),
    "tcp-freeze-32k":
        tls_pair("4", S4, "tcp-freeze", "blocked", "tcp_freeze", FREEZE_REASON % 32768, limit=32768)
        + tls_pair("6", S6, "tcp-freeze", "blocked", "tcp_freeze", FREEZE_REASON % 32768, limit=32768),
    "sni-throttle-128k": [
        E("tcp", S4, 443, "trig4", "throttled-policer", "throttled", "throttled",
          "goodput flat near the 16 KiB/s (~131 kbit/s) policer with drops/retransmissions, "
          ">= 5x slower than the control SNI on the same server", sni=TRIGGER, ok=None,
          control_label="ctrl4"),
        E("tcp", S4, 443, "ctrl4", "completed", "benign", "tls_completed",
          "control SNI, same server: full speed", sni=CONTROL, control=True, ok=True, min_bytes=BIG),
    ],
    "stun-drop-cookie": [
        E("udp", S4, 3478, "stun-s4", "stun-unanswered", "blocked", "stun_unanswered",
          "5 Binding requests (same transaction, RFC 8489 back-off) over 7.5 s, no response", ok=False),
        E("udp", X4, 3478, "stun-x4", "stun-unanswered", "blocked", "stun_unanswered",
          "second relay address: 5 Binding requests, no response", ok=False),
        E("udp", S4, 5000, "ctrl-udp", "completed", "benign", "udp_echoed",
          "control: non-STUN UDP to another port of the same server is echoed", control=True, ok=True),
    ],
    "call-media-cutoff": [
        E("udp", S4, 16393, "call-trig", "udp-media-cutoff", "blocked", "media_cutoff",
          "two-way media ~4 s, then nothing inbound for ~5 s while the client keeps sending 50 pps",
          ok=False),
        E("udp", X4, 16394, "call-ctrl", "completed", "benign", "call_completed",
          "control call to another host: media both ways for the whole 9 s", control=True, ok=True),
    ],
    "quic-drop": [
        E("udp", S4, 443, "quic", "quic-initial-timeout", "blocked", "quic_timeout",
          "client Initials retransmitted on PTO, no server datagram; TCP/TLS to the same server works",
          ok=False),
        E("tcp", S4, 443, "ctrl4", "completed", "benign", "tls_completed",
          "control: TLS over TCP to the same server", sni=TRIGGER, control=True, ok=True, min_bytes=1),
    ],
    "facetime-setup-blocked": [
        E("tcp", S4, 5223, "push", "completed", "benign", "push_alive",
          "push connection (SNI init.ess.apple.com, TCP 5223) alive: a ping/pong every second for "
          "130 s across all three call attempts, clean close", sni="init.ess.apple.com", control=True,
          ok=True, min_duration=120),
    ] + [e for n in (1, 2, 3) for e in (
        E("udp", S4, 3478, "stun-relay-%d" % n, "stun-unanswered", "blocked", "stun_unanswered",
          "call attempt %d: STUN Binding to the relay port 3478, 5 requests over 7.5 s, no response" % n,
          ok=False),
        E("udp", S4, 16393, "media-%d" % n, "udp-unanswered", "blocked", "udp_unanswered",
          "call attempt %d: RTP-like media to 16393 at 50 pps for 5 s, nothing inbound" % n, ok=False),
        E("udp", X4, 3478, "stun-ctrl-%d" % n, "completed", "benign", "stun_answered",
          "call attempt %d, control: STUN to coturn on another host answered" % n, control=True, ok=True),
    )],
    "facetime-push-443": [
        E("tcp", S4, 5223, "push-5223", "tcp-syn-timeout", "blocked", "tcp_syn_timeout",
          "SYNs to the push port 5223 retransmitted for 5 s with no SYN-ACK/RST/ICMP (the middlebox drops "
          "them); the push client then falls back to 443", ok=None, outcome_of="push"),
        E("tcp", S4, 443, "push", "completed", "benign", "push_alive",
          "push over 443 (SNI 1-courier.push.apple.com, ALPN apns-security-v3) alive: a ping/pong every "
          "second for 12 s, clean close", sni="1-courier.push.apple.com", control=True, ok=True),
        E("udp", S4, 3478, "stun", "completed", "benign", "stun_answered",
          "STUN Binding to coturn on the same server answered (call setup is not blocked)", control=True,
          ok=True),
    ],
    "stun-drop-cookie-v6": [
        E("udp", S6, 5000, "ctrl-udp6", "completed", "benign", "udp_echoed",
          "control: non-STUN UDP to another port of the same server is echoed", control=True, ok=True),
        E("udp", S6, 3478, "stun-s6", "stun-unanswered", "blocked", "stun_unanswered",
          "IPv6: 5 Binding requests (same transaction, RFC 8489 back-off) over 7.5 s, no response", ok=False),
    ],
    "quic-drop-v6": [
        E("tcp", S6, 443, "ctrl6", "completed", "benign", "tls_completed",
          "control: TLS over TCP (IPv6) to the same server", sni=TRIGGER, control=True, ok=True, min_bytes=1),
        E("udp", S6, 443, "quic6", "quic-initial-timeout", "blocked", "quic_timeout",
          "IPv6: client Initials retransmitted on PTO, no server datagram; TCP/TLS to the same server works",
          ok=False),
    ],
    "sni-throttle-128k-v6": [
        E("tcp", S6, 443, "ctrl6", "completed", "benign", "tls_completed",
          "control SNI, same server (IPv6): full speed", sni=CONTROL, control=True, ok=True, min_bytes=BIG),
        E("tcp", S6, 443, "trig6", "throttled-policer", "throttled", "throttled",
          "IPv6: goodput flat near the 16 KiB/s (~131 kbit/s) policer with drops/retransmissions, "
          ">= 5x slower than the control SNI on the same server", sni=TRIGGER, ok=None,
          control_label="ctrl6"),
    ],
    "turn-allocate-working": [
        E("udp", S4, 3478, "stun", "completed", "benign", "stun_answered",
          "STUN Binding to coturn answered", control=True, ok=True),
        E("udp", S4, 3478, "turn", "completed", "benign", "turn_allocated",
          "Allocate -> 401 (REALM, NONCE) -> authenticated Allocate -> Success with a relayed address; "
          "Refresh 0 -> Success", ok=True),
    ],
    "turn-allocate-blocked": [
        E("udp", S4, 3478, "stun", "completed", "benign", "stun_answered",
          "control: STUN Binding to the same coturn answered", control=True, ok=True),
        E("udp", S4, 3478, "turn", "stun-unanswered", "blocked", "stun_unanswered",
          "TURN Allocate requests dropped by type: 5 sends (RFC 8489 back-off) over 7.5 s, no response, "
          "while Binding to the same server works", ok=False),
    ],
    "port-closed": [
        E("tcp", S4, 8443, "closed4", "tcp-refused", "benign", "tcp_refused",
          "SYN answered by the server kernel's RST/ACK with the server's TTL 58 (genuine)", ok=False),
        E("tcp", S6, 8443, "closed6", "tcp-refused", "benign", "tcp_refused",
          "IPv6: SYN answered by the server kernel's RST/ACK, hop limit 58 (genuine)", ok=False),
        E("tcp", S4, 443, "ctrl4", "completed", "benign", "tls_completed",
          "control: TLS on 443 of the same server", sni=TRIGGER, control=True, ok=True, min_bytes=1),
    ],
    "lossy-completed": [
        E("tcp", S4, 443, "trig4", "lossy-but-completed", "benign", "lossy_completed",
          "every 10th full-size server segment dropped: retransmissions, but the 200 KB body arrives", sni=TRIGGER,
          ok=True, min_bytes=BIG),
        E("tcp", S4, 443, "ctrl4", "lossy-but-completed", "benign", "lossy_completed",
          "same loss for the control SNI; completes with retransmissions", sni=CONTROL, control=True,
          ok=True, min_bytes=BIG),
    ],
    "server-silent": [
        E("tcp", S4, 443, "trig4", "server-silent", "benign", "server_silent",
          "server accepts, ACKs the ClientHello, never answers; the control name gets the same "
          "silence, so not SNI-specific (ambiguous, not blocking)", sni=TRIGGER, ok=False),
        E("tcp", S4, 443, "ctrl4", "server-silent", "benign", "server_silent",
          "control name: the same silence", sni=CONTROL, control=True, ok=False),
        E("tcp", S6, 443, "trig6", "server-silent", "benign", "server_silent",
          "IPv6: the same silence", sni=TRIGGER, ok=False),
    ],
}

SERVICE = {
    "facetime-setup-blocked": {
        "service": "FaceTime", "conclusion": "facetime-setup-blocked", "class": "blocked",
        "reason": "push connection alive while UDP toward the relay/media ports gets nothing back; "
                  "a STUN control on another host answered"},
}

FIELDS = ["frame.number", "frame.time_relative", "ip.src", "ip.dst", "ipv6.src", "ipv6.dst",
          "ip.ttl", "ipv6.hlim", "ip.id", "tcp.srcport", "tcp.dstport", "tcp.flags.syn",
          "tcp.flags.ack", "tcp.flags.fin", "tcp.flags.reset", "tcp.seq", "tcp.ack", "tcp.len",
          "udp.srcport", "udp.dstport", "udp.length", "tls.handshake.type",
          "tls.handshake.extensions_server_name", "udp.payload", "icmp.type", "icmpv6.type"]
KEYS = ["n", "t", "src4", "dst4", "src6", "dst6", "ttl", "hlim", "ipid", "tsp", "tdp", "syn",
        "ack", "fin", "rst", "seq", "ackn", "tlen", "usp", "udp", "ulen", "hs", "sni", "payload",
        "icmp", "icmp6"]


def first(v):
    return v.split(",")[0] if v else ""


def flag(v):
    return first(v) in ("1", "True", "true")


def read_frames(pcap):
    cmd = ["tshark", "-n", "-r", pcap, "-d", "tcp.port==5223,tls", "-o", "tcp.relative_sequence_numbers:TRUE",
           "-T", "fields", "-E", "separator=/t", "-E", "occurrence=a", "-E", "aggregator=,"]
    for f in FIELDS:
        cmd += ["-e", f]
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=100)
    if res.returncode != 0:
        sys.exit("tshark failed: " + res.stderr)
    rows = []
    for line in res.stdout.splitlines():
        vals = line.split("\t") + [""] * len(KEYS)
        r = dict(zip(KEYS, vals))
        r["n"] = int(r["n"])
        r["t"] = float(r["t"])
        r["src"] = first(r["src4"]) or first(r["src6"])
        r["dst"] = first(r["dst4"]) or first(r["dst6"])
        r["ttl_any"] = int(first(r["ttl"]) or first(r["hlim"]) or -1)
        rows.append(r)
    return rows


def flows_from(rows):
    flows, order, icmp = {}, [], []
    for r in rows:
        if r["icmp"] or r["icmp6"]:
            icmp.append({"frame": r["n"], "t": round(r["t"], 6), "src": r["src"],
                         "type": int(first(r["icmp"]) or first(r["icmp6"]))})
            continue
        if r["tsp"]:
            proto, sp, dp = "tcp", int(first(r["tsp"])), int(first(r["tdp"]))
        elif r["usp"]:
            proto, sp, dp = "udp", int(first(r["usp"])), int(first(r["udp"]))
        else:
            continue
        a, b = (r["src"], sp), (r["dst"], dp)
        key = (proto, frozenset([a, b]))
        if key not in flows:
            flows[key] = {"proto": proto, "client": a, "server": b, "rows": []}
            order.append(key)
        flows[key]["rows"].append(r)
    return [flows[k] for k in order], icmp


def measure(fl):
    rows = fl["rows"]
    c = fl["client"]
    c2s = [r for r in rows if (r["src"], int(first(r["tsp"] or r["usp"]))) == c]
    s2c = [r for r in rows if r not in c2s]
    m = {"frames": len(rows), "frames_client_to_server": len(c2s),
         "frames_server_to_client": len(s2c), "first_frame": rows[0]["n"],
         "first_t": round(rows[0]["t"], 6), "last_t": round(rows[-1]["t"], 6),
         "duration": round(rows[-1]["t"] - rows[0]["t"], 6)}
    m["server_ttls"] = sorted({r["ttl_any"] for r in s2c if not flag(r["rst"])})
    m["client_ttls"] = sorted({r["ttl_any"] for r in c2s})
    last_s2c_t = s2c[-1]["t"] if s2c else None
    if fl["proto"] == "tcp":
        syn = [r for r in c2s if flag(r["syn"]) and not flag(r["ack"])]
        synack = [r for r in s2c if flag(r["syn"]) and flag(r["ack"])]
        rsts = [r for r in s2c if flag(r["rst"])]
        m.update({"syn_sent": len(syn), "syn_ack": len(synack),
                  "syn_ack_ttl": synack[0]["ttl_any"] if synack else None,
                  "rst_from_server_side": [{"frame": r["n"], "t": round(r["t"], 6), "ttl": r["ttl_any"],
                                            "ip_id": first(r["ipid"]) or None,
                                            "ack_flag": flag(r["ack"])} for r in rsts],
                  "rst_from_client": sum(1 for r in c2s if flag(r["rst"])),
                  "fin_client": any(flag(r["fin"]) for r in c2s),
                  "fin_server": any(flag(r["fin"]) for r in s2c)})
        if synack and syn:
            m["handshake_rtt"] = round(synack[0]["t"] - syn[0]["t"], 6)

        def uniq_and_retx(rs):
            hi, retx, tot, first_t, last_t = 1, 0, 0, None, None
            for r in rs:
                ln = int(first(r["tlen"]) or 0)
                if ln == 0:
                    continue
                sq = int(first(r["seq"]) or 0)
                if sq + ln <= hi:
                    retx += 1
                elif sq < hi:
                    retx += 1
                tot += ln
                hi = max(hi, sq + ln)
                first_t = r["t"] if first_t is None else first_t
                last_t = r["t"]
            return hi - 1, retx, tot, first_t, last_t
        sb, sretx, stot, sf, sl = uniq_and_retx(s2c)
        cb, cretx, ctot, _, _ = uniq_and_retx(c2s)
        m.update({"server_payload_bytes_unique": sb, "server_payload_bytes_total": stot,
                  "server_retransmissions": sretx, "client_payload_bytes_unique": cb,
                  "client_retransmissions": cretx})
        if sf is not None:
            m["server_data_first_t"] = round(sf, 6)
            m["server_data_last_t"] = round(sl, 6)
            if sl > sf:
                m["server_goodput_kbit_s"] = round(sb * 8 / 1000 / (sl - sf), 1)
        ch = [r for r in c2s if "1" in r["hs"].split(",")]
        m["server_hello"] = any("2" in r["hs"].split(",") for r in s2c)
        if ch:
            r0 = ch[0]
            chseq, chlen = int(first(r0["seq"])), int(first(r0["tlen"]))
            sends = [r for r in c2s if int(first(r["seq"]) or -1) == chseq and int(first(r["tlen"]) or 0) > 0]
            m["client_hello"] = {"frame": r0["n"], "t": round(r0["t"], 6),
                                 "sni": first(r0["sni"]) or None, "segment_len": chlen,
                                 "sends": len(sends),
                                 "acked": any(int(first(r["ackn"]) or 0) >= chseq + chlen and flag(r["ack"])
                                              for r in s2c),
                                 "server_packets_after": sum(1 for r in s2c if r["t"] > r0["t"])}
            m["sni"] = m["client_hello"]["sni"]
        if last_s2c_t is not None:
            m["client_frames_after_last_server_frame"] = sum(1 for r in c2s if r["t"] > last_s2c_t)
            m["silence_after_last_server_frame"] = round(rows[-1]["t"] - last_s2c_t, 6)
    else:
        def kind(r):
            p = r["payload"].replace(":", "")
            if len(p) >= 16 and p[8:16].lower() == "2112a442":
                t = int(p[0:4], 16)
                cls = ((t >> 7) & 2) | ((t >> 4) & 1)
                return ["stun-request", "stun-indication", "stun-success", "stun-error"][cls]
            if p and (443 in (int(first(r["usp"])), int(first(r["udp"])))):
                b0 = int(p[0:2], 16)
                if b0 & 0x80:
                    return "quic-initial" if (b0 & 0x30) == 0 else "quic-long"
                return "quic-short"
            if p and (int(p[0:2], 16) & 0xC0) == 0x80:
                return "rtp"
            return "other"
        kc, ks = {}, {}
        for r in c2s:
            kc[kind(r)] = kc.get(kind(r), 0) + 1
        for r in s2c:
            ks[kind(r)] = ks.get(kind(r), 0) + 1
        m.update({"kinds_client_to_server": kc, "kinds_server_to_client": ks,
                  "payload_bytes_client_to_server": sum(int(first(r["ulen"]) or 8) - 8 for r in c2s),
                  "payload_bytes_server_to_client": sum(int(first(r["ulen"]) or 8) - 8 for r in s2c),
                  "client_first_t": round(c2s[0]["t"], 6) if c2s else None,
                  "client_last_t": round(c2s[-1]["t"], 6) if c2s else None,
                  "server_first_t": round(s2c[0]["t"], 6) if s2c else None,
                  "server_last_t": round(s2c[-1]["t"], 6) if s2c else None})
        if c2s and s2c:
            m["inbound_silence_while_client_sends"] = round(c2s[-1]["t"] - s2c[-1]["t"], 6)
    return m


# ----------------------------------------------------------------- checks
def need(errs, cond, msg):
    if not cond:
        errs.append(msg)


def ck_tls_completed(m, p, ctx):
    e = []
    need(e, m.get("syn_ack"), "no SYN-ACK")
    need(e, m.get("server_hello"), "no ServerHello")
    need(e, m.get("server_payload_bytes_unique", 0) >= p.get("min_bytes", 1), "server sent only %s bytes" % m.get("server_payload_bytes_unique"))
    # curl closes (close_notify, FIN) as soon as it has Content-Length bytes;
    # when that races the server's close_notify the client's kernel answers
    # the late record with a RST, and when the server's record is already in
    # the client's receive queue at close() the client sends that RST without
    # any FIN (seen in CI: 200 KB control download, RST from the client only).
    # Either is a completed transfer: the server sent its bytes (checked above).
    need(e, m.get("fin_server") or m.get("fin_client") or m.get("rst_from_client"),
         "no FIN from either side and no RST from the client")
    need(e, not m.get("rst_from_server_side"), "RST from server side")
    need(e, m.get("server_ttls") == [SERVER_TTL], "server TTLs %s, want [%d]" % (m.get("server_ttls"), SERVER_TTL))
    return e


def ck_lossy_completed(m, p, ctx):
    # As ck_tls_completed (whose close may be the client's RST alone: with losses, curl often has its
    # Content-Length bytes while the server's close_notify and FIN are still being retransmitted, and exits),
    # plus at least one retransmission.
    e = ck_tls_completed(m, p, ctx)
    need(e, m.get("server_retransmissions", 0) + m.get("client_retransmissions", 0) >= 1, "no retransmission seen")
    return e


def ck_tls_hello_rst(m, p, ctx):
    e = []
    ch = m.get("client_hello") or {}
    need(e, ch, "no ClientHello")
    need(e, not m.get("server_hello"), "a ServerHello arrived")
    rsts = m.get("rst_from_server_side", [])
    need(e, rsts, "no RST toward the client")
    need(e, all(r["ttl"] == MIDDLEBOX_TTL for r in rsts), "RST TTLs %s, want %d" % ([r["ttl"] for r in rsts], MIDDLEBOX_TTL))
    need(e, m.get("syn_ack_ttl") == SERVER_TTL, "SYN-ACK TTL %s, want %d" % (m.get("syn_ack_ttl"), SERVER_TTL))
    need(e, m.get("server_payload_bytes_unique", 0) == 0, "server payload arrived")
    if rsts and ch:
        need(e, rsts[0]["t"] >= ch["t"], "RST before the ClientHello")
        m["rst_delay_after_client_hello"] = round(rsts[0]["t"] - ch["t"], 6)
    return e


def ck_tls_hello_timeout(m, p, ctx):
    e = []
    ch = m.get("client_hello") or {}
    need(e, ch, "no ClientHello")
    need(e, ch.get("sends", 0) >= 3, "ClientHello sent %s times (want >= 3)" % ch.get("sends"))
    need(e, not ch.get("acked"), "ClientHello was acknowledged")
    need(e, ch.get("server_packets_after", 1) == 0, "server packets after the ClientHello")
    need(e, m["last_t"] - ch.get("t", m["last_t"]) >= 5, "gave up too soon")
    need(e, m.get("syn_ack_ttl") == SERVER_TTL, "SYN-ACK TTL %s" % m.get("syn_ack_ttl"))
    return e


def ck_tcp_syn_timeout(m, p, ctx):
    e = []
    need(e, m.get("syn_sent", 0) >= 3, "SYN sent %s times (want >= 3)" % m.get("syn_sent"))
    need(e, m["frames_server_to_client"] == 0, "server side answered")
    need(e, m["duration"] >= 3, "SYNs span only %.1f s" % m["duration"])
    return e


def ck_tcp_freeze(m, p, ctx):
    e = []
    lim = p["limit"]
    sb = m.get("server_payload_bytes_unique", 0)
    need(e, m.get("server_hello"), "no ServerHello")
    need(e, 0.75 * lim <= sb < lim, "server payload %d not in [%d, %d)" % (sb, 0.75 * lim, lim))
    need(e, not m.get("rst_from_server_side") and not m.get("fin_server"), "RST/FIN from server side")
    need(e, m.get("silence_after_last_server_frame", 0) >= 3, "silence only %s s" % m.get("silence_after_last_server_frame"))
    need(e, m.get("client_frames_after_last_server_frame", 0) >= 1, "no unanswered client packets")
    m["stall_offset_bytes"] = sb
    return e


def ck_throttled(m, p, ctx):
    e = []
    g = m.get("server_goodput_kbit_s", 0)
    need(e, 60 <= g <= 200, "goodput %s kbit/s not in [60, 200]" % g)
    need(e, m.get("server_retransmissions", 0) >= 1, "no retransmissions (policer drops)")
    act = m.get("server_data_last_t", 0) - m.get("server_data_first_t", 0)
    need(e, act >= 5, "active only %.1f s" % act)
    cg = ctx[p["control_label"]].get("server_goodput_kbit_s", 0)
    need(e, cg >= 5 * g, "control goodput %s not >= 5x %s" % (cg, g))
    m["control_goodput_kbit_s"] = cg
    return e


def ck_stun_unanswered(m, p, ctx):
    e = []
    n = m["kinds_client_to_server"].get("stun-request", 0)
    need(e, n >= 3, "%d STUN requests (want >= 3)" % n)
    need(e, m["frames_server_to_client"] == 0, "something came back")
    need(e, m["duration"] >= 2, "requests span %.1f s" % m["duration"])
    return e


def ck_stun_answered(m, p, ctx):
    e = []
    need(e, m["kinds_client_to_server"].get("stun-request", 0) >= 1, "no STUN request")
    need(e, m["kinds_server_to_client"].get("stun-success", 0) >= 1, "no STUN success response")
    return e


def ck_udp_echoed(m, p, ctx):
    e = []
    need(e, m["frames_client_to_server"] >= 1 and m["frames_server_to_client"] == m["frames_client_to_server"],
         "echoes %d of %d" % (m["frames_server_to_client"], m["frames_client_to_server"]))
    return e


def ck_call_completed(m, p, ctx):
    e = []
    kc, ks = m["kinds_client_to_server"], m["kinds_server_to_client"]
    need(e, ks.get("stun-success", 0) >= 1, "STUN check not answered")
    need(e, kc.get("rtp", 0) >= 100 and ks.get("rtp", 0) >= 0.8 * kc.get("rtp", 0),
         "rtp out %s in %s" % (kc.get("rtp"), ks.get("rtp")))
    need(e, m.get("inbound_silence_while_client_sends", 9) < 1, "inbound stopped early")
    return e


def ck_media_cutoff(m, p, ctx):
    e = []
    kc, ks = m["kinds_client_to_server"], m["kinds_server_to_client"]
    need(e, ks.get("rtp", 0) >= 50, "too little inbound media (%s)" % ks.get("rtp"))
    two_way = (m["server_last_t"] or 0) - (m["server_first_t"] or 0)
    need(e, two_way >= 1, "two-way media only %.1f s" % two_way)
    gap = m.get("inbound_silence_while_client_sends", 0)
    need(e, gap >= 3, "inbound silence while sending only %.1f s" % gap)
    m["two_way_media_seconds"] = round(two_way, 3)
    return e


def ck_quic_timeout(m, p, ctx):
    e = []
    n = m["kinds_client_to_server"].get("quic-initial", 0)
    need(e, n >= 2, "%d client Initials (want >= 2)" % n)
    need(e, m["frames_server_to_client"] == 0, "server datagrams arrived")
    need(e, m["duration"] >= 1, "Initials span %.1f s" % m["duration"])
    return e


def ck_quic_completed(m, p, ctx):
    e = []
    need(e, m["kinds_client_to_server"].get("quic-initial", 0) >= 1, "no client Initial")
    need(e, m["kinds_server_to_client"].get("quic-short", 0) >= 1, "no 1-RTT packet from the server")
    return e


def ck_udp_unanswered(m, p, ctx):
    e = []
    n = m["frames_client_to_server"]
    need(e, n >= 4, "%d datagrams out" % n)
    need(e, m["frames_server_to_client"] == 0, "something came back")
    need(e, m["duration"] >= 3, "sent over %.1f s only" % m["duration"])
    need(e, m["kinds_client_to_server"].get("stun-request", 0) == 0, "flow carries STUN")
    return e


def ck_tcp_refused(m, p, ctx):
    e = []
    rsts = m.get("rst_from_server_side", [])
    need(e, m.get("syn_sent", 0) >= 1 and not m.get("syn_ack"), "not SYN without SYN-ACK")
    need(e, len(rsts) == 1 and rsts[0]["ack_flag"], "want one RST/ACK, got %s" % rsts)
    need(e, all(r["ttl"] == SERVER_TTL for r in rsts), "RST TTL not the server's %d" % SERVER_TTL)
    return e


def ck_server_silent(m, p, ctx):
    e = []
    ch = m.get("client_hello") or {}
    need(e, m.get("syn_ack"), "no SYN-ACK")
    need(e, ch.get("acked"), "ClientHello not acknowledged")
    need(e, m.get("server_payload_bytes_unique", 0) == 0, "server sent payload")
    need(e, m["last_t"] - ch.get("t", m["last_t"]) >= 10, "silence < 10 s")
    need(e, not m.get("rst_from_server_side"), "RST from server")
    return e


def ck_push_alive(m, p, ctx):
    e = []
    need(e, m.get("server_hello"), "no ServerHello")
    need(e, m.get("server_payload_bytes_unique", 0) > 1000, "little server data")
    need(e, m["duration"] >= p.get("min_duration", 10), "push flow lasted %.1f s" % m["duration"])
    need(e, not m.get("rst_from_server_side"), "RST")
    return e


def ck_turn_allocated(m, p, ctx):
    e = []
    kc, ks = m["kinds_client_to_server"], m["kinds_server_to_client"]
    need(e, kc.get("stun-request", 0) >= 3, "%s requests (want Allocate, Allocate, Refresh)" % kc.get("stun-request"))
    need(e, ks.get("stun-error", 0) >= 1, "no 401 error response")
    need(e, ks.get("stun-success", 0) >= 2, "%s success responses (want 2)" % ks.get("stun-success"))
    return e


CHECKS = {k[3:]: v for k, v in globals().items() if k.startswith("ck_")}


def main():
    ap = argparse.ArgumentParser()
    for a in ("scenario", "description", "pcap", "rules", "outcomes", "counters", "out"):
        ap.add_argument("--" + a, required=True)
    a = ap.parse_args()
    spec = SPECS[a.scenario]
    errors = []

    with open(a.pcap, "rb") as f:
        hdr = f.read(24)
    endian = {b"\xd4\xc3\xb2\xa1": "<", b"\xa1\xb2\xc3\xd4": ">"}.get(hdr[:4])
    if not endian:
        errors.append("not a classic microsecond pcap")
        fmt = {}
    else:
        vmaj, vmin, _, _, snaplen, linktype = struct.unpack(endian + "HHiIII", hdr[4:])
        fmt = {"container": "pcap", "timestamp_resolution": "microsecond",
               "byte_order": "little" if endian == "<" else "big", "version": "%d.%d" % (vmaj, vmin),
               "snaplen": snaplen, "linktype": linktype}

    rows = read_frames(a.pcap)
    flows, icmp = flows_from(rows)
    outcomes = {}
    with open(a.outcomes) as f:
        for line in f:
            label, rc, last = (line.rstrip("\n").split("\t") + ["", "", ""])[:3]
            try:
                res = json.loads(last) if last else None
            except ValueError:
                res = last
            outcomes[label] = {"label": label, "exit_code": int(rc), "result": res}

    measured = [(fl, measure(fl)) for fl in flows]
    used, out_flows, ctx, pending = set(), [], {}, []
    for ex in spec:
        cands = [i for i, (fl, m) in enumerate(measured) if i not in used
                 and fl["proto"] == ex["proto"] and fl["server"] == (ex["addr"], ex["port"])
                 and (ex["sni"] is None or m.get("sni") == ex["sni"])]
        # Several expected flows to the same server (repeated attempts) are
        # matched in capture order; a flow left over is reported below.
        if not cands:
            errors.append("%s: expected a %s flow to %s:%d sni=%s, found none"
                          % (ex["label"], ex["proto"], ex["addr"], ex["port"], ex["sni"]))
            continue
        used.add(cands[0])
        ctx[ex["label"]] = measured[cands[0]][1]
        pending.append((ex, cands[0]))
    for i, (fl, m) in enumerate(measured):
        if i not in used:
            errors.append("unexpected flow %s %s:%d -> %s:%d" % (fl["proto"], fl["client"][0], fl["client"][1],
                                                                fl["server"][0], fl["server"][1]))
    for ex, i in pending:
        fl, m = measured[i]
        errs = CHECKS[ex["check"]](m, ex["params"], ctx)
        oc = outcomes.get(ex["params"].get("outcome_of", ex["label"]))
        if oc is None:
            errs.append("no client outcome recorded")
        elif ex["ok"] is not None and (oc["exit_code"] == 0) != ex["ok"]:
            errs.append("client exit code %d, expected %s" % (oc["exit_code"], "success" if ex["ok"] else "failure"))
        errors += ["%s (%s): %s" % (ex["label"], ex["verdict"], x) for x in errs]
        verdict, reason = ex["verdict"], ex["reason"]
        if ex["check"] == "lossy_completed" and m.get("server_retransmissions", 0) < LOSSY_MIN_RETRANSMISSIONS:
            # The middlebox's drops are counted per packet, both ways: in some runs they hit fewer of the server's
            # segments than the rules need to call the loss out (DESIGN.md: lossy-but-completed, ≥3 holes filled by
            # retransmissions). tshark's count of the server's retransmissions decides which benign label applies.
            verdict = "completed"
            reason += "; in this run only %d server retransmission(s), too few to call it lossy" % m.get("server_retransmissions", 0)
        out_flows.append({
            "label": ex["label"], "proto": fl["proto"], "family": "ipv6" if ":" in fl["server"][0] else "ipv4",
            "client": {"addr": fl["client"][0], "port": fl["client"][1]},
            "server": {"addr": fl["server"][0], "port": fl["server"][1]},
            "sni": m.get("sni"), "control": ex["control"],
            "expected": {"verdict": verdict, "class": ex["cls"], "reason": reason},
            "client_outcome": oc, "measured": m})
    out_flows.sort(key=lambda d: d["measured"]["first_frame"])

    with open(a.rules) as f:
        rules = [l.rstrip("\n") for l in f if l.strip()]
    with open(a.counters) as f:
        counters = [l.strip() for l in f
                    if (l.startswith("[") and not l.startswith("[0:0]") and "-A " in l)
                    or (re.search(r"counter packets [1-9]", l) and " xt " not in l)]
    truth = {
        "file": a.scenario + ".pcap", "scenario": a.scenario, "description": a.description,
        "made_by": "Captures/lab/lab.sh record %s (tcpdump in the client namespace on c0, "
                   "snaplen 1600; truth derived with tshark by Captures/lab/analyze.py)" % a.scenario,
        "format": fmt, "file_bytes": os.path.getsize(a.pcap), "frames": len(rows),
        "duration_seconds": round(rows[-1]["t"], 6) if rows else 0.0,
        "lab": {"client": {"ipv4": C4, "ipv6": C6},
                "middlebox": {"client_side": ["192.0.2.1", "2001:db8:1::1"],
                              "server_side": ["198.51.100.1", "203.0.113.1", "2001:db8:2::1"]},
                "server": {"ipv4": S4, "ipv6": S6, "second_address": X4},
                "trigger_sni": TRIGGER, "control_sni": CONTROL,
                "ttl_at_client": {"server_packets": SERVER_TTL, "middlebox_made_packets": MIDDLEBOX_TTL,
                                  "note": "server sends 64; middlebox forward -1 and TTL/HL --ttl-dec 5"}},
        "middlebox_rules": rules,
        "middlebox_rule_counters_nonzero": counters,
        "icmp": icmp,
        "flows": out_flows,
    }
    if a.scenario in SERVICE:
        truth["service_assessment"] = SERVICE[a.scenario]
    with open(a.out, "w") as f:
        json.dump(truth, f, indent=2)
        f.write("\n")
    for d in out_flows:
        m = d["measured"]
        print("  %-9s %s %s:%d -> %s:%d frames=%d  %s/%s%s" % (
            d["label"], d["proto"], d["client"]["addr"], d["client"]["port"], d["server"]["addr"],
            d["server"]["port"], m["frames"], d["expected"]["verdict"], d["expected"]["class"],
            " (control)" if d["control"] else ""), file=sys.stderr)
    if errors:
        for x in errors:
            print("analyze[%s]: CHECK FAILED: %s" % (a.scenario, x), file=sys.stderr)
        sys.exit(1)
    print("analyze[%s]: %d frames, %d flows, all checks passed" % (a.scenario, len(rows), len(out_flows)),
          file=sys.stderr)


if __name__ == "__main__":
    main()

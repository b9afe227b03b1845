#!/usr/bin/env python3
"""Servers and clients for the Blockscope DPI lab (Captures/lab/lab.sh).

Every mode binds to the addresses it is given and talks only to the
addresses it is given (lab documentation addresses inside network
namespaces); every mode has a hard time limit of its own.

Modes:
  tls-server    HTTPS (TLS 1.3, python ssl) serving /big and /small on 443,
                plus a TLS line-echo "push" service on another port.
  silent-server accepts TCP and never sends anything.
  push-client   TLS client (SNI given) that sends a ping line every second
                and expects each echoed back.
  udp-echo      echoes UDP datagrams.
  udp-probe     sends N datagrams to an echo server and counts the echoes.
  stun-client   STUN Binding requests, RFC 8489 retransmission (RTO 500 ms,
                doubling), bounded number of sends.
  call-server   answers STUN Binding requests; streams RTP-like packets
                (50 pps) back to whoever streams to it.
  call-client   STUN connectivity checks, then RTP-like media at 50 pps.
  turn-client   TURN Allocate with the long-term credential (401, then
                authenticated), RFC 8489 retransmission; Refresh 0 to free.
  quic-server / quic-client   aioquic, ALPN hq-interop, one stream echo.
  soak-server / soak-client   thousands of short TCP and UDP flows (soak).
Clients print one JSON line with what happened and exit 0 on success,
1 on failure (the scenario script decides which one it expected).
"""
import argparse
import asyncio
import json
import os
import select
import socket
import ssl
import struct
import sys
import threading
import time
import zlib

MAGIC = 0x2112A442


def out(d):
    print(json.dumps(d), flush=True)


def family_of(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


# ------------------------------------------------------------------ STUN
def stun_attr(atype, value):
    pad = (4 - len(value) % 4) % 4
    return struct.pack("!HH", atype, len(value)) + value + b"\0" * pad


def stun_message(mtype, txid, attrs=b"", fingerprint=True):
    body = attrs
    if fingerprint:
        hdr = struct.pack("!HHI", mtype, len(body) + 8, MAGIC) + txid
        crc = (zlib.crc32(hdr + body) & 0xFFFFFFFF) ^ 0x5354554E
        body += stun_attr(0x8028, struct.pack("!I", crc))
    return struct.pack("!HHI", mtype, len(body), MAGIC) + txid + body


def stun_parse(data):
    if len(data) < 20 or data[0] & 0xC0:
        return None
    mtype, mlen, cookie = struct.unpack("!HHI", data[:8])
    if cookie != MAGIC:
        return None
    return mtype, data[8:20]


def xor_mapped(peer):
    host, port = peer[0], peer[1]
    xport = port ^ (MAGIC >> 16)
    if ":" in host:
        raw = socket.inet_pton(socket.AF_INET6, host)
        return None, xport, raw
    raw = socket.inet_pton(socket.AF_INET, host)
    xaddr = struct.unpack("!I", raw)[0] ^ MAGIC
    return stun_attr(0x0020, struct.pack("!BBHI", 0, 1, xport, xaddr)), xport, raw


def binding_response(txid, peer):
    attr, _, _ = xor_mapped(peer)
    attrs = (attr or b"") + stun_attr(0x8022, b"blockscope-lab call-server")
    return stun_message(0x0101, txid, attrs)


# ------------------------------------------------------------------- RTP
def rtp_packet(seq, ts, ssrc, size=160):
    # V=2, no padding/extension/CSRC; PT 111 (dynamic, opus-like).
    return struct.pack("!BBHII", 0x80, 111, seq & 0xFFFF, ts & 0xFFFFFFFF, ssrc) + bytes(
        (seq + i) & 0xFF for i in range(size))


def is_rtp(data):
    return len(data) >= 12 and (data[0] & 0xC0) == 0x80 and stun_parse(data) is None


# ------------------------------------------------------------ TLS server
def make_ctx(cert, key):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    ctx.load_cert_chain(cert, key)
    ctx.set_alpn_protocols(["http/1.1"])
    return ctx


def tls_server(a):
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    big = bytes((i * 7 + 13) & 0xFF for i in range(a.big_bytes))
    small = b"blockscope lab ok\n"

    class H(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.0"
        # As long as the server lives: a connection whose ClientHello the
        # middlebox dropped must not be closed by the server (a late FIN, and
        # the client's RST to it) while the scenario is still recording.
        timeout = a.time_limit

        def do_GET(self):
            body = big if self.path.startswith("/big") else small
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            try:
                self.wfile.write(body)
                self.wfile.flush()
            except OSError:
                pass
            # close_notify + FIN right behind the body (curl closes as soon
            # as it has Content-Length bytes; the sooner we close, the less
            # often its close races ours).
            self.close_connection = True
            tls_close(None, self.connection)

        def log_message(self, fmt, *args):
            sys.stderr.write("http %s %s\n" % (self.client_address[0], fmt % args))

    ctx = make_ctx(a.cert, a.key)
    servers = []
    for addr in a.bind:
        if a.port:  # --port 0: the push service only
            cls = type("S", (ThreadingHTTPServer,), {"address_family": family_of(addr),
                                                      "daemon_threads": True,
                                                      "shutdown_request": tls_close})
            srv = cls((addr, a.port), H)
            # Handshake in the handler thread (not in accept()), so that a
            # connection whose ClientHello never arrives blocks nobody.
            srv.socket = ctx.wrap_socket(srv.socket, server_side=True,
                                         do_handshake_on_connect=False)
            servers.append(srv)
            threading.Thread(target=srv.serve_forever, daemon=True).start()
        for pp in a.push_port or []:
            threading.Thread(target=push_listener, args=(addr, pp, ctx),
                             daemon=True).start()
    out({"mode": "tls-server", "listening": a.bind, "port": a.port, "push_port": a.push_port})
    time.sleep(a.time_limit)


def tls_close(server, request):
    """Orderly close without waiting: our close_notify, then our FIN at
    once; then drain the peer's close_notify/FIN so that no RST follows."""
    try:
        request.setblocking(False)
        try:
            request.unwrap()          # sends close_notify; peer's is not here yet
        except (ssl.SSLWantReadError, ssl.SSLWantWriteError):
            pass
        socket.socket.shutdown(request, socket.SHUT_WR)
        socket.socket.settimeout(request, 3)
        while socket.socket.recv(request, 4096):
            pass
    except (OSError, ValueError):
        pass
    finally:
        try:
            socket.socket.close(request)
        except OSError:
            pass


def push_listener(addr, port, ctx):
    ls = socket.socket(family_of(addr), socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((addr, port))
    ls.listen(16)
    while True:
        conn, _ = ls.accept()
        threading.Thread(target=push_echo, args=(conn, ctx), daemon=True).start()


def push_echo(conn, ctx):
    try:
        conn.settimeout(30)
        s = ctx.wrap_socket(conn, server_side=True)
        f = s.makefile("rwb")
        for line in f:
            f.write(b"pong " + line)
            f.flush()
        s.close()
    except OSError:
        pass


def silent_server(a):
    socks = []
    for addr in a.bind:
        ls = socket.socket(family_of(addr), socket.SOCK_STREAM)
        ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        ls.bind((addr, a.port))
        ls.listen(16)
        socks.append(ls)
    out({"mode": "silent-server", "listening": a.bind, "port": a.port})
    held = []
    end = time.time() + a.time_limit
    while time.time() < end:
        r, _, _ = select.select(socks, [], [], 0.5)
        for ls in r:
            conn, _ = ls.accept()
            held.append(conn)  # accepted, read nothing, answer nothing


def push_client(a):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    t0 = time.time()
    res = {"mode": "push-client", "server": a.server, "port": a.port, "sni": a.sni,
           "pings": 0, "pongs": 0}
    if a.alpn:
        ctx.set_alpn_protocols([a.alpn])
    try:
        try:
            raw = socket.create_connection((a.server, a.port), timeout=a.connect_timeout)
        except OSError as e:
            if not a.fallback_port:
                raise
            # As Apple's push client does: 5223 unreachable, try 443.
            res["first_attempt"] = {"port": a.port, "error": repr(e),
                                    "seconds": round(time.time() - t0, 3)}
            res["port"] = a.fallback_port
            raw = socket.create_connection((a.server, a.fallback_port), timeout=a.connect_timeout)
        s = ctx.wrap_socket(raw, server_hostname=a.sni)
        f = s.makefile("rwb")
        for i in range(a.count):
            f.write(b"ping %d\n" % i)
            f.flush()
            res["pings"] += 1
            if f.readline().startswith(b"pong"):
                res["pongs"] += 1
            time.sleep(a.interval)
        s.close()
    except OSError as e:
        res["error"] = repr(e)
    res["seconds"] = round(time.time() - t0, 3)
    out(res)
    sys.exit(0 if res["pongs"] == a.count and "error" not in res else 1)


# ------------------------------------------------------------------- UDP
def udp_echo(a):
    socks = []
    for spec in a.bind:
        addr, port = spec.rsplit(":", 1)
        s = socket.socket(family_of(addr), socket.SOCK_DGRAM)
        s.bind((addr.strip("[]"), int(port)))
        socks.append(s)
    out({"mode": "udp-echo", "listening": a.bind})
    end = time.time() + a.time_limit
    while time.time() < end:
        r, _, _ = select.select(socks, [], [], 0.5)
        for s in r:
            data, peer = s.recvfrom(65535)
            s.sendto(data, peer)


def udp_probe(a):
    s = socket.socket(family_of(a.server), socket.SOCK_DGRAM)
    s.bind(("", a.local_port))
    s.settimeout(a.wait)
    echoes = 0
    for n in range(a.count):
        s.sendto(b"blockscope-udp-probe %d " % n + b"x" * 40, (a.server, a.port))
        try:
            s.recvfrom(65535)
            echoes += 1
        except socket.timeout:
            pass
        time.sleep(a.interval)
    out({"mode": "udp-probe", "server": a.server, "port": a.port, "sent": a.count, "echoes": echoes})
    sys.exit(0 if echoes == a.count else 1)


def stun_client(a):
    """RFC 8489 section 6.2.1: RTO 500 ms, doubled on each retransmission;
    after the last send wait final_wait; same transaction ID throughout."""
    s = socket.socket(family_of(a.server), socket.SOCK_DGRAM)
    s.bind(("", a.local_port))
    res = {"mode": "stun-client", "server": a.server, "port": a.port, "transactions": []}
    t_start = time.time()
    ok_all = True
    for t in range(a.transactions):
        txid = os.urandom(12)
        req = stun_message(0x0001, txid, stun_attr(0x8022, b"blockscope-lab stun-client"))
        rto, sends, got = 0.5, 0, None
        t0 = time.time()
        while sends < a.max_sends and got is None:
            s.sendto(req, (a.server, a.port))
            sends += 1
            wait = rto if sends < a.max_sends else a.final_wait
            deadline = time.time() + wait
            while got is None:
                left = deadline - time.time()
                if left <= 0:
                    break
                r, _, _ = select.select([s], [], [], left)
                if r:
                    data, _ = s.recvfrom(65535)
                    p = stun_parse(data)
                    if p and p[1] == txid and p[0] in (0x0101, 0x0111):
                        got = p[0]
            rto *= 2
        res["transactions"].append({"sends": sends, "response": "0x%04x" % got if got else None,
                                    "seconds": round(time.time() - t0, 3)})
        ok_all = ok_all and got == 0x0101
        if t + 1 < a.transactions:
            time.sleep(a.gap)
    res["seconds"] = round(time.time() - t_start, 3)
    res["answered"] = sum(1 for x in res["transactions"] if x["response"])
    out(res)
    sys.exit(0 if ok_all else 1)


def call_server(a):
    s = socket.socket(family_of(a.bind), socket.SOCK_DGRAM)
    s.bind((a.bind, a.port))
    out({"mode": "call-server", "listening": "%s:%d" % (a.bind, a.port)})
    peers = {}  # peer -> [last_heard, seq, next_send]
    ssrc = 0x5E7E0001
    end = time.time() + a.time_limit
    while time.time() < end:
        now = time.time()
        nxt = min([p[2] for p in peers.values()] + [now + 0.2])
        r, _, _ = select.select([s], [], [], max(0.0, nxt - now))
        if r:
            data, peer = s.recvfrom(65535)
            p = stun_parse(data)
            if p and p[0] == 0x0001:
                s.sendto(binding_response(p[1], peer), peer)
            elif is_rtp(data):
                st = peers.setdefault(peer, [0.0, 0, time.time()])
                st[0] = time.time()
        now = time.time()
        for peer, st in list(peers.items()):
            if now - st[0] > a.hold:
                del peers[peer]  # caller went away: stop streaming to it
                continue
            if now >= st[2]:
                s.sendto(rtp_packet(st[1], st[1] * 960, ssrc), peer)
                st[1] += 1
                st[2] += 0.02


def call_client(a):
    s = socket.socket(family_of(a.server), socket.SOCK_DGRAM)
    s.bind(("", a.local_port))
    dst = (a.server, a.port)
    res = {"mode": "call-client", "server": a.server, "port": a.port,
           "checks_sent": 0, "checks_answered": 0, "rtp_sent": 0, "rtp_received": 0,
           "first_rtp_in": None, "last_rtp_in": None}
    t0 = time.time()
    # Connectivity checks (ICE-like STUN Binding), one every 200 ms until
    # answered or check_time passes.
    txids = set()
    deadline = t0 + a.check_time
    while time.time() < deadline and res["checks_answered"] == 0:
        txid = os.urandom(12)
        txids.add(txid)
        s.sendto(stun_message(0x0001, txid, stun_attr(0x8022, b"blockscope-lab call-client")), dst)
        res["checks_sent"] += 1
        end = time.time() + 0.2
        while time.time() < end:
            r, _, _ = select.select([s], [], [], max(0.0, end - time.time()))
            if not r:
                break
            data, _ = s.recvfrom(65535)
            p = stun_parse(data)
            if p and p[1] in txids and p[0] == 0x0101:
                res["checks_answered"] += 1
                break
    if res["checks_answered"] == 0 and not a.media_anyway:
        res["seconds"] = round(time.time() - t0, 3)
        out(res)
        sys.exit(1)
    # Media: 50 pps for media_time seconds, receiving concurrently.
    m0 = time.time()
    nxt = m0
    seq = 0
    ssrc = 0xC0FFEE01
    while time.time() < m0 + a.media_time:
        now = time.time()
        if now >= nxt:
            s.sendto(rtp_packet(seq, seq * 960, ssrc), dst)
            seq += 1
            res["rtp_sent"] += 1
            nxt += 0.02
        r, _, _ = select.select([s], [], [], max(0.0, nxt - time.time()))
        if r:
            data, _ = s.recvfrom(65535)
            if is_rtp(data):
                res["rtp_received"] += 1
                t = round(time.time() - m0, 3)
                if res["first_rtp_in"] is None:
                    res["first_rtp_in"] = t
                res["last_rtp_in"] = t
    res["media_seconds"] = round(time.time() - m0, 3)
    res["seconds"] = round(time.time() - t0, 3)
    out(res)
    sys.exit(0 if res["rtp_received"] > 0.8 * res["rtp_sent"] else 1)


# ------------------------------------------------------------------ QUIC
def quic_server(a):
    from aioquic.asyncio import QuicConnectionProtocol, serve
    from aioquic.quic.configuration import QuicConfiguration
    from aioquic.quic.events import StreamDataReceived

    class Echo(QuicConnectionProtocol):
        def quic_event_received(self, event):
            if isinstance(event, StreamDataReceived):
                self._quic.send_stream_data(event.stream_id, b"echo: " + event.data,
                                            end_stream=event.end_stream)
                self.transmit()

    async def main():
        cfg = QuicConfiguration(is_client=False, alpn_protocols=["hq-interop"])
        cfg.load_cert_chain(a.cert, a.key)
        for addr in a.bind:
            await serve(addr, a.port, configuration=cfg, create_protocol=Echo)
        out({"mode": "quic-server", "listening": a.bind, "port": a.port})
        await asyncio.sleep(a.time_limit)

    asyncio.run(main())


def quic_client(a):
    from aioquic.asyncio import connect
    from aioquic.quic.configuration import QuicConfiguration

    res = {"mode": "quic-client", "server": a.server, "port": a.port, "sni": a.sni}
    t0 = time.time()

    async def main():
        cfg = QuicConfiguration(is_client=True, alpn_protocols=["hq-interop"],
                                server_name=a.sni, verify_mode=ssl.CERT_NONE,
                                idle_timeout=a.time_limit)
        async with connect(a.server, a.port, configuration=cfg,
                           local_port=a.local_port) as client:
            reader, writer = await client.create_stream()
            writer.write(b"blockscope-lab quic hello\n")
            writer.write_eof()
            data = await reader.read()
            res["reply"] = data.decode(errors="replace").strip()
            client.close()

    try:
        asyncio.run(asyncio.wait_for(main(), a.time_limit))
        res["ok"] = res.get("reply", "").startswith("echo:")
    except (asyncio.TimeoutError, ConnectionError, OSError) as e:
        res["ok"] = False
        res["error"] = type(e).__name__
    res["seconds"] = round(time.time() - t0, 3)
    out(res)
    sys.exit(0 if res["ok"] else 1)


def stun_transaction(s, dst, req, txid, max_sends, final_wait):
    """One RFC 8489 transaction: RTO 500 ms doubling, same transaction ID;
    returns (response bytes or None, sends)."""
    rto, sends = 0.5, 0
    while sends < max_sends:
        s.sendto(req, dst)
        sends += 1
        deadline = time.time() + (rto if sends < max_sends else final_wait)
        while True:
            left = deadline - time.time()
            if left <= 0:
                break
            r, _, _ = select.select([s], [], [], left)
            if r:
                data, _ = s.recvfrom(65535)
                p = stun_parse(data)
                if p and p[1] == txid and (p[0] & 0x0110):
                    return data, sends
        rto *= 2
    return None, sends


def stun_attrs(data):
    attrs, i, end = {}, 20, 20 + struct.unpack("!H", data[2:4])[0]
    while i + 4 <= min(end, len(data)):
        t, ln = struct.unpack("!HH", data[i:i + 4])
        attrs.setdefault(t, data[i + 4:i + 4 + ln])
        i += 4 + ln + (4 - ln % 4) % 4
    return attrs


def with_integrity(mtype, txid, attrs, key):
    """MESSAGE-INTEGRITY (HMAC-SHA1, RFC 8489 14.5: the length field counts
    up to and including it) then FINGERPRINT."""
    import hmac
    import hashlib
    hdr = struct.pack("!HHI", mtype, len(attrs) + 24, MAGIC) + txid
    mac = hmac.new(key, hdr + attrs, hashlib.sha1).digest()
    return stun_message(mtype, txid, attrs + stun_attr(0x0008, mac))


def turn_client(a):
    """TURN Allocate (RFC 8656) with the long-term credential mechanism as
    RFC 8489 9.2 says: an Allocate without credentials, the server's 401
    with REALM and NONCE, the same request again with USERNAME, REALM,
    NONCE and MESSAGE-INTEGRITY; then a Refresh with LIFETIME 0 to free it."""
    import hashlib
    s = socket.socket(family_of(a.server), socket.SOCK_DGRAM)
    s.bind(("", a.local_port))
    dst = (a.server, a.port)
    res = {"mode": "turn-client", "server": a.server, "port": a.port, "steps": []}
    t0 = time.time()
    transport = stun_attr(0x0019, bytes([17, 0, 0, 0]))  # REQUESTED-TRANSPORT UDP
    software = stun_attr(0x8022, b"blockscope-lab turn-client")
    txid = os.urandom(12)
    data, sends = stun_transaction(s, dst, stun_message(0x0003, txid, transport + software),
                                   txid, a.max_sends, a.final_wait)
    mtype = struct.unpack("!H", data[:2])[0] if data else None
    res["steps"].append({"request": "allocate", "sends": sends,
                         "response": "0x%04x" % mtype if mtype else None})
    ok = False
    if mtype == 0x0113:
        at = stun_attrs(data)
        code = at.get(0x0009, b"\0\0\0\0")
        res["steps"][-1]["error"] = (code[2] & 7) * 100 + code[3]
        realm, nonce = at.get(0x0014, b""), at.get(0x0015, b"")
        key = hashlib.md5(b"%s:%s:%s" % (a.user.encode(), realm, a.password.encode())).digest()
        creds = (stun_attr(0x0006, a.user.encode()) + stun_attr(0x0014, realm)
                 + stun_attr(0x0015, nonce))
        txid = os.urandom(12)
        req = with_integrity(0x0003, txid, transport + software + creds, key)
        data, sends = stun_transaction(s, dst, req, txid, a.max_sends, a.final_wait)
        mtype = struct.unpack("!H", data[:2])[0] if data else None
        res["steps"].append({"request": "allocate-authenticated", "sends": sends,
                             "response": "0x%04x" % mtype if mtype else None})
        if mtype == 0x0103:
            ok = True
            res["relayed"] = 0x0016 in stun_attrs(data)
            txid = os.urandom(12)
            req = with_integrity(0x0004, txid, stun_attr(0x000D, struct.pack("!I", 0)) + creds, key)
            data, sends = stun_transaction(s, dst, req, txid, a.max_sends, a.final_wait)
            mtype = struct.unpack("!H", data[:2])[0] if data else None
            res["steps"].append({"request": "refresh-0", "sends": sends,
                                 "response": "0x%04x" % mtype if mtype else None})
    res["allocated"] = ok
    res["seconds"] = round(time.time() - t0, 3)
    out(res)
    sys.exit(0 if ok else 1)


# ------------------------------------------------------------------ soak
def soak_server(a):
    """TCP: read one request line, answer 200 bytes, close first (the
    server's FIN). UDP: echo. On every --bind address, one port."""
    tsocks, usocks = [], []
    for addr in a.bind:
        ts = socket.socket(family_of(addr), socket.SOCK_STREAM)
        ts.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        ts.bind((addr, a.port))
        ts.listen(512)
        ts.setblocking(False)
        tsocks.append(ts)
        us = socket.socket(family_of(addr), socket.SOCK_DGRAM)
        us.bind((addr, a.port))
        usocks.append(us)
    reply = b"blockscope-soak " + b"r" * 184
    out({"mode": "soak-server", "listening": a.bind, "port": a.port})
    conns = {}
    end = time.time() + a.time_limit
    while time.time() < end:
        r, _, _ = select.select(tsocks + usocks + list(conns), [], [], 0.5)
        now = time.time()
        for s in r:
            if s in tsocks:
                try:
                    c, _ = s.accept()
                except OSError:
                    continue
                c.setblocking(False)
                conns[c] = now
            elif s in usocks:
                data, peer = s.recvfrom(65535)
                s.sendto(data, peer)
            else:
                try:
                    data = s.recv(4096)
                    if data:
                        s.sendall(reply)
                except OSError:
                    pass
                conns.pop(s, None)
                s.close()
        for c, t in list(conns.items()):
            if now - t > 5:
                conns.pop(c)
                c.close()


def soak_client(a):
    """For --seconds: every 1/tcp_rate s one short TCP connection (servers
    taken in turn), every 1/udp_rate s one UDP exchange from the next port
    of --udp-first-port.. (distinct 5-tuples).
    Counts what it did; exits 1 when fewer than 95 % succeeded."""
    res = {"mode": "soak-client", "seconds": a.seconds, "tcp_attempts": 0, "tcp_ok": 0,
           "udp_sent": 0, "udp_echoed": 0}
    t0 = time.time()
    next_tcp = next_udp = t0
    k = 0
    while time.time() < t0 + a.seconds:
        now = time.time()
        if now >= next_tcp:
            server = a.server[k % len(a.server)]
            k += 1
            res["tcp_attempts"] += 1
            try:
                with socket.create_connection((server, a.port), timeout=2) as c:
                    c.sendall(b"blockscope-soak request %d\n" % k)
                    got = b""
                    while True:
                        d = c.recv(4096)
                        if not d:
                            break
                        got += d
                    if len(got) == 200:
                        res["tcp_ok"] += 1
            except OSError:
                pass
            next_tcp += 1.0 / a.tcp_rate
        if now >= next_udp:
            server = a.server[res["udp_sent"] % len(a.server)]
            with socket.socket(family_of(server), socket.SOCK_DGRAM) as u:
                # A port of its own per exchange (below the ephemeral range),
                # so that every exchange is a flow of its own.
                u.bind(("", a.udp_first_port + res["udp_sent"] % 20000))
                u.settimeout(1)
                u.sendto(b"blockscope-soak datagram %d" % res["udp_sent"], (server, a.port))
                res["udp_sent"] += 1
                try:
                    u.recvfrom(65535)
                    res["udp_echoed"] += 1
                except OSError:
                    pass
            next_udp += 1.0 / a.udp_rate
        time.sleep(max(0.0, min(next_tcp, next_udp) - time.time()))
    res["elapsed"] = round(time.time() - t0, 3)
    out(res)
    ok = res["tcp_ok"] >= 0.95 * res["tcp_attempts"] and res["udp_echoed"] >= 0.95 * res["udp_sent"]
    sys.exit(0 if ok else 1)


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="mode", required=True)
    p = sub.add_parser("tls-server")
    p.add_argument("--bind", action="append", required=True)
    p.add_argument("--port", type=int, default=443)
    p.add_argument("--push-port", type=int, action="append")
    p.add_argument("--cert", required=True)
    p.add_argument("--key", required=True)
    p.add_argument("--big-bytes", type=int, default=200000)
    p.add_argument("--time-limit", type=float, default=120)
    p = sub.add_parser("silent-server")
    p.add_argument("--bind", action="append", required=True)
    p.add_argument("--port", type=int, default=443)
    p.add_argument("--time-limit", type=float, default=60)
    p = sub.add_parser("push-client")
    p.add_argument("--server", required=True)
    p.add_argument("--port", type=int, default=5223)
    p.add_argument("--sni", required=True)
    p.add_argument("--count", type=int, default=10)
    p.add_argument("--interval", type=float, default=1.0)
    p.add_argument("--connect-timeout", type=float, default=5.0)
    p.add_argument("--fallback-port", type=int, default=0)
    p.add_argument("--alpn", default="")
    p = sub.add_parser("udp-echo")
    p.add_argument("--bind", action="append", required=True, help="ADDR:PORT")
    p.add_argument("--time-limit", type=float, default=60)
    p = sub.add_parser("udp-probe")
    p.add_argument("--server", required=True)
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--local-port", type=int, default=0)
    p.add_argument("--count", type=int, default=5)
    p.add_argument("--interval", type=float, default=0.2)
    p.add_argument("--wait", type=float, default=1.0)
    p = sub.add_parser("stun-client")
    p.add_argument("--server", required=True)
    p.add_argument("--port", type=int, default=3478)
    p.add_argument("--local-port", type=int, default=0)
    p.add_argument("--transactions", type=int, default=1)
    p.add_argument("--max-sends", type=int, default=5)
    p.add_argument("--final-wait", type=float, default=2.0)
    p.add_argument("--gap", type=float, default=0.5)
    p = sub.add_parser("turn-client")
    p.add_argument("--server", required=True)
    p.add_argument("--port", type=int, default=3478)
    p.add_argument("--local-port", type=int, default=0)
    p.add_argument("--user", default="lab")
    p.add_argument("--password", default="labpass")
    p.add_argument("--max-sends", type=int, default=5)
    p.add_argument("--final-wait", type=float, default=2.0)
    p = sub.add_parser("call-server")
    p.add_argument("--bind", required=True)
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--hold", type=float, default=1.5)
    p.add_argument("--time-limit", type=float, default=60)
    p = sub.add_parser("call-client")
    p.add_argument("--server", required=True)
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--local-port", type=int, default=0)
    p.add_argument("--check-time", type=float, default=3.0)
    p.add_argument("--media-time", type=float, default=5.0)
    p.add_argument("--media-anyway", action="store_true")
    p = sub.add_parser("quic-server")
    p.add_argument("--bind", action="append", required=True)
    p.add_argument("--port", type=int, default=443)
    p.add_argument("--cert", required=True)
    p.add_argument("--key", required=True)
    p.add_argument("--time-limit", type=float, default=60)
    p = sub.add_parser("quic-client")
    p.add_argument("--server", required=True)
    p.add_argument("--port", type=int, default=443)
    p.add_argument("--sni", required=True)
    p.add_argument("--local-port", type=int, default=0)
    p.add_argument("--time-limit", type=float, default=8)
    p = sub.add_parser("soak-server")
    p.add_argument("--bind", action="append", required=True)
    p.add_argument("--port", type=int, default=7000)
    p.add_argument("--time-limit", type=float, default=200)
    p = sub.add_parser("soak-client")
    p.add_argument("--server", action="append", required=True)
    p.add_argument("--port", type=int, default=7000)
    p.add_argument("--seconds", type=float, default=150)
    p.add_argument("--tcp-rate", type=float, default=80)
    p.add_argument("--udp-rate", type=float, default=20)
    p.add_argument("--udp-first-port", type=int, default=10000)
    a = ap.parse_args()
    {"tls-server": tls_server, "silent-server": silent_server, "push-client": push_client,
     "udp-echo": udp_echo, "udp-probe": udp_probe, "stun-client": stun_client,
     "call-server": call_server, "call-client": call_client,
     "quic-server": quic_server, "quic-client": quic_client,
     "turn-client": turn_client, "soak-server": soak_server, "soak-client": soak_client}[a.mode](a)


if __name__ == "__main__":
    main()

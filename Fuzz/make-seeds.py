#!/usr/bin/env python3
"""Writes the dissector fuzzer's seed corpus from the real captures.

Every frame of every capture whose link type the dissector supports becomes one seed:
    <selector byte> + frame bytes
where the selector is the index of the link type in DissectorFuzzer.swift's `fuzzLinkTypes` (keep the two tables
in sync). Consecutive frames that look like IP fragments are also packed, per capture, into multi-frame seeds (selector | 0x80,
records [0x00][len u16 BE][frame]) so that reassembly completes inside one input.

pcap (both byte orders, µs and ns magic) and pcapng (SHB/IDB/EPB/SPB/obsolete PB, both byte orders, per-interface
link type) are parsed here; no third-party packages. Unparseable files are skipped.

usage: make-seeds.py [--captures DIR] [--out DIR] [--max N]
"""
import argparse
import hashlib
import json
import os
import struct
import sys

# LINKTYPE value -> selector (index in fuzzLinkTypes). 147 (unsupported) is in the table but never seeded.
SELECTORS = {1: 0, 0: 1, 108: 2, 101: 3, 12: 4, 228: 5, 229: 6, 113: 7, 276: 8, 9: 9, 50: 10, 14: 11}
MAX_LEN = 4096


def read_pcap(data):
    magic = data[:4]
    orders = {b"\xd4\xc3\xb2\xa1": "<", b"\xa1\xb2\xc3\xd4": ">", b"\x4d\x3c\xb2\xa1": "<", b"\xa1\xb2\x3c\x4d": ">"}
    e = orders[magic]
    if len(data) < 24:
        raise ValueError("short pcap header")
    linktype = struct.unpack(e + "I", data[20:24])[0] & 0x0FFFFFFF  # upper bits: FCS info
    pos = 24
    while pos + 16 <= len(data):
        _sec, _frac, caplen, _wirelen = struct.unpack(e + "IIII", data[pos:pos + 16])
        pos += 16
        if caplen > len(data) - pos:
            break  # truncated file: keep what we have
        yield linktype, data[pos:pos + caplen]
        pos += caplen


def read_pcapng(data):
    pos = 0
    e = "<"
    interfaces = []
    while pos + 12 <= len(data):
        btype = struct.unpack(e + "I", data[pos:pos + 4])[0]
        if btype == 0x0A0D0D0A:  # section header: byte order magic decides
            bom = data[pos + 8:pos + 12]
            if bom == b"\x4d\x3c\x2b\x1a":
                e = "<"
            elif bom == b"\x1a\x2b\x3c\x4d":
                e = ">"
            else:
                raise ValueError("bad byte-order magic")
            interfaces = []
        blen = struct.unpack(e + "I", data[pos + 4:pos + 8])[0]
        if blen < 12 or blen % 4 or pos + blen > len(data):
            break
        body = data[pos + 8:pos + blen - 4]
        if btype == 1 and len(body) >= 8:  # IDB
            interfaces.append(struct.unpack(e + "H", body[:2])[0])
        elif btype == 6 and len(body) >= 20:  # EPB
            iface, _hi, _lo, caplen, _wire = struct.unpack(e + "IIIII", body[:20])
            if iface < len(interfaces) and caplen <= len(body) - 20:
                yield interfaces[iface], body[20:20 + caplen]
        elif btype == 3 and len(body) >= 4 and interfaces:  # SPB: interface 0, caplen = min(wire, block)
            wire = struct.unpack(e + "I", body[:4])[0]
            yield interfaces[0], body[4:4 + min(wire, len(body) - 4)]
        elif btype == 2 and len(body) >= 20:  # obsolete packet block
            iface, _drops, _hi, _lo, caplen, _wire = struct.unpack(e + "HHIIII", body[:20])
            if iface < len(interfaces) and caplen <= len(body) - 20:
                yield interfaces[iface], body[20:20 + caplen]
        pos += blen


def read_capture(path):
    with open(path, "rb") as f:
        data = f.read()
    if data[:4] == b"\x0a\x0d\x0d\x0a":
        return list(read_pcapng(data))
    return list(read_pcap(data))


def ip_offset(linktype, frame):
    """Offset of the IP header for the common cases (no VLAN/MPLS/PPPoE), or None."""
    if linktype == 1:
        return 14 if frame[12:14] in (b"\x08\x00", b"\x86\xdd") else None
    if linktype in (0, 108):
        return 4
    if linktype in (101, 12, 14, 228, 229):
        return 0
    if linktype == 113:
        return 16
    if linktype == 276:
        return 20
    if linktype in (9, 50):
        return 4 if frame[:2] == b"\xff\x03" else 2
    return None


def is_fragment(linktype, frame):
    off = ip_offset(linktype, frame)
    if off is None or len(frame) < off + 40:
        return False
    version = frame[off] >> 4
    if version == 4:
        flags = struct.unpack(">H", frame[off + 6:off + 8])[0]
        return flags & 0x3FFF != 0  # MF or a fragment offset
    if version == 6:
        return frame[off + 6] == 44  # fragment header right after the fixed header
    return False


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser()
    ap.add_argument("--captures", default="/work/shared/captures")
    ap.add_argument("--out", default=os.path.join(here, "corpus"))
    ap.add_argument("--max", type=int, default=20000)
    args = ap.parse_args()

    with open(os.path.join(args.captures, "corpus.json")) as f:
        entries = json.load(f)
    os.makedirs(args.out, exist_ok=True)
    seen = set(os.listdir(args.out))
    written = skipped_files = unsupported = frames = 0
    per_linktype = {}

    def write(seed):
        nonlocal written
        name = hashlib.sha1(seed).hexdigest()
        if name in seen:
            return
        seen.add(name)
        with open(os.path.join(args.out, name), "wb") as f:
            f.write(seed)
        written += 1

    # Round-robin over captures so the cap does not favour the first, biggest ones.
    per_capture = []
    for entry in entries:
        path = os.path.join(args.captures, entry["file"])
        try:
            packets = read_capture(path)
        except Exception as error:  # noqa: BLE001 - any unparseable file is skipped
            print(f"skip {entry['file']}: {error}", file=sys.stderr)
            skipped_files += 1
            continue
        supported = []
        for linktype, frame in packets:
            if linktype not in SELECTORS:
                unsupported += 1
                continue
            supported.append((linktype, frame))
        per_capture.append(supported)
        frames += len(supported)

        # Multi-frame seeds from consecutive fragments of one link type, packed greedily up to MAX_LEN bytes
        # (libFuzzer truncates longer inputs to -max_len).
        group, lt = b"", None
        for l2, fr in supported:
            if not is_fragment(l2, fr):
                continue
            record = b"\x00" + struct.pack(">H", len(fr)) + fr
            if group and (l2 != lt or 1 + len(group) + len(record) > MAX_LEN):
                write(bytes([SELECTORS[lt] | 0x80]) + group)
                group = b""
            if 1 + len(record) <= MAX_LEN:
                group, lt = group + record, l2
        if group:
            write(bytes([SELECTORS[lt] | 0x80]) + group)

    index = 0
    while written < args.max and any(index < len(c) for c in per_capture):
        for capture in per_capture:
            if index < len(capture) and written < args.max:
                linktype, frame = capture[index]
                per_linktype[linktype] = per_linktype.get(linktype, 0) + 1
                write(bytes([SELECTORS[linktype]]) + frame[:MAX_LEN - 1])
        index += 1

    print(
        f"{written} new seeds in {args.out} ({len(seen)} total); {frames} supported frames, {unsupported} frames of "
        f"unsupported link types, {skipped_files} files skipped; frames by link type: {dict(sorted(per_linktype.items()))}"
    )


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Expected assessments for the lab's captures, from the lab's own knowledge.

For each truth file given, read the per-flow expected verdicts (the lab's
knowledge of what the middlebox did, not Blockscope's output), give each flow
its service (the catalogue of docs/SERVICES.md: Captures/lab/lab-services.yaml,
then the built-in one, matched as that document says), apply the aggregation rule of
docs/OUTPUT.md ("The rules of evidence") with the thresholds written there,
and write the result into the truth file as `assessments` (in place).

This is an independent implementation of the documented rule: it shares no
code with Blockscope, and the test `LabAssessmentTests` checks that
Blockscope's assessments of every capture equal these.

    Captures/lab/assess.py Captures/*.truth.json
"""
import ipaddress
import json
import os
import re
import struct
import sys
import textwrap

HERE = os.path.dirname(os.path.abspath(__file__))

# docs/OUTPUT.md, "Thresholds" (the built-in values).
MIN_FLOWS = 2
LIKELY_ATTEMPTS = 3
LIKELY_SPAN = 120.0
ATTEMPT_GAP = 10.0
FACETIME = "FaceTime"

# DESIGN.md's taxonomy: the class of each verdict id (for truth files that give only the id).
BENIGN = {"completed", "tcp-refused", "server-silent", "lossy-but-completed", "client-abort"}
UNINFORMATIVE = {"capture-truncated", "unclassified"}
UNANSWERED_UDP = {"stun-unanswered", "udp-unanswered", "quic-initial-timeout"}

# Verdict titles as the built-in rules word them are Blockscope's; the truth keeps ids only.


# ---------------------------------------------------------------------------
# Services: the catalogue format of docs/SERVICES.md, matched as documented there


def builtin_catalogue_text():
    """The built-in catalogue's YAML, as Sources/Blockscope/DefaultServices.swift holds it."""
    path = os.path.join(HERE, "..", "..", "Sources", "Blockscope", "DefaultServices.swift")
    with open(path) as f:
        source = f.read()
    start = source.index('"""', source.index("static let yaml")) + 3
    end = source.index('"""', start)
    return textwrap.dedent(source[start:end].lstrip("\n"))


def parse_ranges(items):
    ranges = []
    for item in items or []:
        text = str(item)
        low, _, high = text.partition("-")
        ranges.append((int(low, 0), int(high or low, 0)))
    return ranges


def load_matchers(texts):
    """(service, matcher) pairs: the files in order (the lab's before the built-in ones)."""
    import yaml  # PyYAML

    matchers = []
    for text in texts:
        for service in yaml.safe_load(text)["services"]:
            for m in service["match"]:
                matchers.append((service["name"], dict(
                    sni=[g.lower() for g in m.get("sni", [])],
                    addresses=[ipaddress.ip_network(str(a), strict=False) for a in m.get("addresses", [])],
                    tcp=parse_ranges(m.get("tcp")), udp=parse_ranges(m.get("udp")),
                    stun="stun" in m,
                )))
    # Matchers with server names first, then the others, each in file order.
    return [x for x in matchers if x[1]["sni"]] + [x for x in matchers if not x[1]["sni"]]


def glob_match(name, pattern):
    """`*` spans any characters including dots, `?` one character, case ignored."""
    return re.fullmatch(".*".join(".".join(re.escape(p) for p in part.split("?")) for part in pattern.split("*")),
                        name.lower()) is not None


def matcher_holds(m, flow):
    if m["stun"]:
        return False  # no lab flow carries an application's STUN software, realm or attributes
    if m["sni"] and not (flow["name"] and any(glob_match(flow["name"], g) for g in m["sni"])):
        return False
    ports = m["tcp"] if flow["proto"] == "tcp" else m["udp"] if flow["proto"] == "udp" else []
    if (m["tcp"] or m["udp"]) and not ports:
        return False
    if not m["addresses"] and not ports:
        return True
    for address, port in ((flow["dst"], flow["port"]), (flow["src"], flow["src_port"])):
        if m["addresses"] and not any(ipaddress.ip_address(address) in n for n in m["addresses"]):
            continue
        if ports and not any(lo <= port <= hi for lo, hi in ports):
            continue
        return True
    return False


def service_of(flow, matchers):
    for name, m in matchers:
        if matcher_holds(m, flow):
            return name
    return None


# ---------------------------------------------------------------------------
# Flows from a truth file


def first_timestamp(pcap_path):
    """Epoch seconds of the capture's first packet (pcap, either byte order, µs or ns)."""
    with open(pcap_path, "rb") as f:
        header = f.read(24)
        magic = header[:4]
        orders = {b"\xd4\xc3\xb2\xa1": ("<", 1e-6), b"\xa1\xb2\xc3\xd4": (">", 1e-6),
                  b"\x4d\x3c\xb2\xa1": ("<", 1e-9), b"\xa1\xb2\x3c\x4d": (">", 1e-9)}
        if magic not in orders:
            raise SystemExit(f"{pcap_path}: not a classic pcap file (assess.py reads pcap only)")
        order, unit = orders[magic]
        seconds, fraction = struct.unpack(order + "II", f.read(8))
        return seconds, fraction, unit


def responder_payload(f):
    """Payload bytes from the server side, as the truth file measured them (tshark)."""
    measured = f.get("measured", {})
    for key in ("payload_bytes_server_to_client", "server_payload_bytes_total"):
        if measured.get(key) is not None:
            return measured[key]
    if f.get("tcp"):
        return f["tcp"].get("payload_bytes_server_to_client", 0)
    if f.get("udp"):
        return sum(f["udp"].get("payload_sizes_server_to_client", []))
    return 0


def flows_of(truth, truth_path, services):
    pcap = os.path.join(os.path.dirname(truth_path), truth["file"])
    seconds, fraction, unit = first_timestamp(pcap)
    base_ns = seconds * 1_000_000_000 + round(fraction * unit * 1e9)
    flows = []
    for f in truth["flows"]:
        expected = f.get("expected")
        if expected:
            verdict, cls = expected["verdict"], expected["class"]
        elif f.get("label") in BENIGN:
            verdict, cls = f["label"], "benign"
        else:
            raise SystemExit(f"{truth_path}: flow {f.get('label')} has no expected verdict")
        measured = f.get("measured", {})
        start = measured.get("first_t")
        end = measured.get("last_t")
        if start is None:
            # Files recorded before `measured` existed: frame numbers only; the whole capture is one attempt.
            start, end = 0.0, truth.get("duration_seconds", 0.0)
        # The name the flow carried on the wire (a ClientHello that was sent), not the one the client meant to
        # send: a connection whose SYNs were dropped never showed a name.
        outcome = (f.get("client_outcome") or {}).get("result", {})
        sent_hello = bool(measured.get("client_hello")) or (
            outcome.get("mode") == "quic-client" and measured.get("frames_client_to_server", 0) > 0)  # the Initial
        name = f.get("sni") or (measured.get("client_hello") or {}).get("sni") or (outcome.get("sni") if sent_hello else None)
        if not name and f.get("tls"):
            name = f["tls"].get("sni")
        flow = dict(
            proto=f["proto"], dst=f["server"]["addr"], port=f["server"]["port"], name=name,
            src=f["client"]["addr"], src_port=f["client"]["port"],
            verdict=verdict, cls=cls,
            start_ns=base_ns + round(start * 1e9), end_ns=base_ns + round(end * 1e9),
            resp_payload=responder_payload(f),
            orig_packets=measured.get("frames_client_to_server", f.get("frames_client_to_server", 0)),
        )
        flow["service"] = service_of(flow, services)
        flows.append(flow)
    return flows


# ---------------------------------------------------------------------------
# The rule (docs/OUTPUT.md, "The rules of evidence")


def blocking(f):
    return f["cls"] in ("blocked", "throttled") and f["verdict"] not in UNINFORMATIVE


def failing_inconclusive(f):
    return f["cls"] == "inconclusive" and f["verdict"] not in UNINFORMATIVE


def muted(f):
    """`server-silent`: acknowledged, never answered (tls-hello-muted when another name answers on the address)."""
    return f["verdict"] == "server-silent"


def worked(f):
    """Benign and data came back (a refused port or a silent server is neutral, not a success)."""
    return f["cls"] == "benign" and f["resp_payload"] > 0


def trigger(f):
    return (f["proto"], f["port"], f["name"], f["service"])


def attempts(flows):
    gap = int(ATTEMPT_GAP * 1e9)
    return len({f["start_ns"] // gap for f in flows})


def span(flows):
    return (max(f["end_ns"] for f in flows) - min(f["start_ns"] for f in flows)) / 1e9 if flows else 0.0


def controls(group_flows, all_flows, service=None, destination=None, excluding_own=False):
    failing = [f for f in group_flows if blocking(f) or failing_inconclusive(f) or muted(f)]
    failing_dst = {f["dst"] for f in failing}
    failing_triggers = {trigger(f) for f in failing}
    good = [f for f in all_flows if worked(f)]
    kinds = []
    if not failing:
        return kinds  # controls are what worked alongside failures
    same = [f for f in good if f["dst"] in failing_dst and trigger(f) not in failing_triggers
            and not (excluding_own and f["service"] == service)]
    if same:
        kinds.append("same-destination")
    if service is not None:
        if not excluding_own:
            if {f["dst"] for f in good if f["service"] == service} - failing_dst:
                kinds.append("same-service-elsewhere")
        if any(f["service"] not in (None, service) for f in good):
            kinds.append("other-service")
        if any(f["service"] is None and f["dst"] not in failing_dst for f in good):
            kinds.append("other-destination")
    else:
        if any(f["dst"] != destination for f in good):
            kinds.append("other-destination")
    return kinds


def conclude(group_flows, all_flows, service=None, destination=None):
    kinds = controls(group_flows, all_flows, service, destination)
    blocked = [f for f in group_flows if blocking(f)]
    failing = [f for f in group_flows if failing_inconclusive(f)]
    good = [f for f in group_flows if worked(f)]

    def level(matching):
        ok = attempts(matching) >= LIKELY_ATTEMPTS and span(matching) >= LIKELY_SPAN and kinds
        return "likely" if ok else "suspected"

    if service == FACETIME:
        push_alive = [f for f in group_flows if f["proto"] == "tcp" and f["resp_payload"] > 0 and f["orig_packets"] > 0
                      and (worked(f) or f["verdict"] == "capture-truncated")]
        relays = [f for f in group_flows if f["proto"] == "udp" and f["verdict"] in UNANSWERED_UDP]
        if push_alive and len(relays) >= MIN_FLOWS:
            # The push connection is part of the pattern: FaceTime's own flows are not controls here.
            kinds = controls(group_flows, all_flows, service, destination, excluding_own=True)
            return "facetime-setup-blocked", "blocked", level(relays), kinds
    if len(blocked) >= MIN_FLOWS:
        counts = {}
        for f in blocked:
            counts[f["verdict"]] = counts.get(f["verdict"], 0) + 1
        top = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]
        cls = next(f["cls"] for f in blocked if f["verdict"] == top)
        return top, cls, level(blocked), kinds
    silent = [f for f in group_flows if muted(f)]
    if not blocked and len(silent) >= MIN_FLOWS and "same-destination" in kinds:
        return "tls-hello-muted", "blocked", level(silent), kinds
    if blocked or failing or silent:
        return "inconclusive", "inconclusive", "low", kinds
    if good:
        return "not-blocked", "benign", "likely" if len(good) >= MIN_FLOWS else "low", kinds
    return "inconclusive", "inconclusive", "low", kinds


def assess(flows):
    results = []
    services = []
    for f in flows:
        if f["service"] and f["service"] not in services:
            services.append(f["service"])
    for s in services:
        group = [f for f in flows if f["service"] == s]
        conclusion, cls, confidence, kinds = conclude(group, flows, service=s)
        results.append(dict(scope="service", service=s, destination=None, conclusion=conclusion, **{"class": cls},
                            confidence=confidence, controls=kinds))
    destinations = []
    for f in flows:
        if f["service"] is None and (blocking(f) or failing_inconclusive(f) or muted(f)) and f["dst"] not in destinations:
            destinations.append(f["dst"])
    for d in destinations:
        group = [f for f in flows if f["service"] is None and f["dst"] == d]
        conclusion, cls, confidence, kinds = conclude(group, flows, destination=d)
        results.append(dict(scope="destination", service=None, destination=d, conclusion=conclusion,
                            **{"class": cls}, confidence=confidence, controls=kinds))
    return results


def main(paths):
    if not paths:
        print(__doc__.strip().splitlines()[-1].strip(), file=sys.stderr)
        return 2
    with open(os.path.join(HERE, "lab-services.yaml")) as f:
        services = load_matchers([f.read(), builtin_catalogue_text()])
    for path in paths:
        with open(path) as f:
            truth = json.load(f)
        truth["assessments"] = assess(flows_of(truth, path, services))
        with open(path, "w") as f:
            json.dump(truth, f, indent=2, ensure_ascii=False)
            f.write("\n")
        summary = ", ".join(f"{a['service'] or a['destination']}: {a['conclusion']} ({a['confidence']})"
                            for a in truth["assessments"])
        print(f"{os.path.basename(path)}: {summary or 'nothing to assess'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

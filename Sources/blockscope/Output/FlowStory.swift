import Blockscope
import FlowTracking
import WireFormat

/// What happened to a flagged flow, in plain words with the numbers: the lines under it in the text report
/// ("RST 1.6 ms after the ClientHello, TTL 64 vs the server's 58 — marks of injection").
enum FlowStory {
    static func lines(_ flow: Flow, _ verdict: Verdict) -> [String] {
        let facts = flow.teardown
        let request = flow.applicationFacts.clientHello != nil ? "the ClientHello" : "the first request"
        var lines: [String] = []
        switch verdict.id {
        case "tcp-syn-timeout":
            lines.append("SYN sent \(facts.originator.synCount)× over \(Format.duration(flow.duration)): no SYN-ACK, RST or ICMP error came back")
        case "tcp-syn-rst-injected", "tcp-refused":
            lines.append("the SYN was answered by \(plural(facts.responder.resetCount, "RST"))"
                + (facts.responder.resetBurst > 1 ? ", \(facts.responder.resetBurst) within 10 ms (a burst, as injectors send)" : ""))
        case "tls-hello-timeout":
            if let first = facts.firstRequest {
                lines.append("\(request) was sent \(first.sends)× and never acknowledged")
            }
            if let silence = facts.silenceAfterLastResponderPacket { lines.append("the server was silent for the last \(Format.duration(silence))") }
        case "tls-hello-fin":
            lines.append("the server side closed the connection (FIN) right after \(request), without a ServerHello")
        case "server-silent":
            lines.append("\(request) was acknowledged, then nothing came back"
                + (facts.firstRequest.map { " for \(Format.duration(flow.lastSeen.nanoseconds(since: $0.time)))" } ?? ""))
        case "tcp-freeze":
            lines.append("server data stopped after \(facts.responderBytesBeforeStall) bytes (\(kibibytes(facts.responderBytesBeforeStall)) KiB)"
                + (facts.silenceAfterLastResponderPacket.map { ", then silence for \(Format.duration($0))" } ?? "")
                + " while the client sent \(plural(facts.originatorPacketsAfterLastResponderPacket, "more packet"))")
            if let outstanding = facts.originatorOutstandingBytes, outstanding > 0 {
                lines.append("\(outstanding) bytes from the client were never acknowledged")
            }
        case "throttled-policer":
            let rate = facts.responder.goodputBitsPerSecond.map { Format.decimal($0 / 1000, places: 0) } ?? "?"
            let variation = facts.responder.rate.steadyCoefficientOfVariation.map { Format.decimal($0, places: 2) } ?? "?"
            lines.append("server data held at \(rate) kbit/s over \(facts.responder.rate.windows) one-second windows "
                + "(variation \(variation): flat, as a policer makes it), \(plural(facts.responder.retransmittedSegments, "retransmitted segment"))")
        case "quic-initial-timeout":
            lines.append("\(plural(flow.applicationFacts.quicInitialsBeforeReply, "QUIC Initial")) over \(Format.duration(flow.duration)), nothing came back")
        case "stun-unanswered":
            let stun = flow.applicationFacts.stun
            lines.append("\(plural(stun.requests, "STUN request")) over \(Format.duration(flow.duration)), no response")
        case "udp-unanswered":
            lines.append("\(plural(flow.orig.packets, "datagram")) sent over \(Format.duration(flow.duration)), nothing came back")
        case "udp-media-cutoff":
            if let first = facts.responder.firstTime, let last = facts.responder.lastTime {
                lines.append("two-way media for \(Format.duration(last.nanoseconds(since: first))), then nothing inbound"
                    + (facts.silenceAfterLastResponderPacket.map { " for \(Format.duration($0))" } ?? "")
                    + " while the client sent \(plural(facts.originatorPacketsAfterLastResponderPacket, "more packet"))")
            }
        case "capture-truncated":
            lines.append("the capture began after this connection started: its teardown cannot be judged")
        default:
            break
        }
        lines += resetLines(flow, request: request)
        if verdict.id.hasSuffix("unanswered") || verdict.id == "quic-initial-timeout" {
            lines.append(verdict.verdictClass == .blocked
                ? "the same address answered in another flow of this capture: the host is up"
                : "no flow of this capture shows the address answering: a down host looks the same")
        }
        if facts.icmpErrors.count > 0, let type = facts.icmpErrors.firstType {
            lines.append("ICMP error type \(type) code \(facts.icmpErrors.firstCode ?? 0) from \(facts.icmpErrors.firstSource?.description ?? "?")")
        }
        return lines
    }

    /// RSTs and what marks them as injected: timing against the RTT, TTL against the sender's, bursts, IP-ID.
    private static func resetLines(_ flow: Flow, request: String) -> [String] {
        let facts = flow.teardown
        var lines: [String] = []
        for (side, fromServer) in [(facts.responder, true), (facts.originator, false)] {
            guard let reset = side.resets.first else { continue }
            var text = "RST " + (fromServer ? "from the server side" : "toward the server, in the client's name")
            var marks: [String] = []
            if fromServer, let delay = facts.firstResetDelayAfterRequest {
                text += " \(Format.duration(delay)) after \(request)"
                if let rtt = facts.handshakeRTT, rtt > 0 {
                    text += " (RTT \(Format.duration(rtt)))"
                    if delay < rtt / 2 { marks.append("sooner than half the RTT: sent from nearer than the server") }
                }
            }
            if let difference = reset.timeToLiveDifference, difference != 0 {
                let earlier = Int(reset.timeToLive) - difference
                text += ", TTL \(reset.timeToLive) vs \(fromServer ? "the server's" : "the client's") \(earlier)"
                if reset.timeToLiveOutsideEarlierRange == true { marks.append("TTL unlike the sender's other packets") }
            }
            if side.resetBurst > 1 { marks.append("\(side.resetBurst) RSTs within 10 ms") }
            if reset.identificationUnlikeEarlier == true { marks.append("IP-ID unlike the sender's") }
            // One oddity alone (an IP-ID, a TTL) is what load balancers and CDNs produce too: said, not called injection.
            let timing = marks.contains { $0.hasPrefix("sooner") }
            if marks.count >= 2 || timing {
                text += " — marks of injection: " + marks.joined(separator: "; ")
            } else if let mark = marks.first {
                text += " (\(mark))"
            }
            lines.append(text)
        }
        return lines
    }

    static func plural(_ count: Int, _ noun: String) -> String { "\(count) \(noun)\(count == 1 ? "" : "s")" }

    static func kibibytes(_ bytes: Int) -> String { Format.decimal(Double(bytes) / 1024, places: 1) }
}

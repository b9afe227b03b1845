import WireFormat

/// One line per packet for `inspect`: number, time, link, addresses and ports, transport details, TTL,
/// lengths and anomalies. The debugging view of the tool, in the spirit of `tcpdump -v`.
enum PacketLine {
    static func format(number: Int, interface: Int, _ summary: PacketSummary) -> String {
        var line = Format.padded(String(number), 6, right: true) + " "
            + Format.dateTime(summary.timestamp) + " " + summary.linkType.name
        if interface > 0 { line += "#\(interface)" }
        if summary.vlanCount > 0 {
            line += " vlan \(summary.outerVLAN)" + (summary.vlanCount > 1 ? "/\(summary.innerVLAN)" : "")
        }
        switch summary.outcome {
        case .skipped(let reason):
            return line + " skipped: \(reason.key) len=\(summary.wireLength)"
        case .malformed(let error) where summary.network == nil:
            return line + " MALFORMED \(error) len=\(summary.wireLength)" + anomalies(summary)
        default:
            break
        }
        guard let network = summary.network else { return line }
        line += network.version == 4 ? " IPv4 " : " IPv6 "
        line += Format.endpoint(network.source, summary.sourcePort) + " > "
            + Format.endpoint(network.destination, summary.destinationPort)
        switch summary.transport {
        case .tcp(let tcp):
            line += " TCP [\(tcp.flags.letters)] seq=\(tcp.sequenceNumber)"
            if tcp.flags.contains(.ack) { line += " ack=\(tcp.acknowledgmentNumber)" }
            line += " win=\(tcp.window)"
            if let mss = tcp.options.maximumSegmentSize { line += " mss=\(mss)" }
            if let scale = tcp.options.windowScale { line += " wscale=\(scale)" }
            if tcp.options.sackPermitted { line += " sackOK" }
            if tcp.options.sackBlocks > 0 { line += " sack=\(tcp.options.sackBlocks)" }
            if let value = tcp.options.timestampValue { line += " ts=\(value)/\(tcp.options.timestampEcho ?? 0)" }
        case .udp:
            line += " UDP"
        case .icmp(let info):
            line += info.version == 4 ? " ICMP" : " ICMPv6"
            line += " type=\(info.type) code=\(info.code)"
            if let quoted = info.quoted {
                line += " quoting \(quoted.network.transportProtocol.name) "
                    + Format.endpoint(quoted.network.source, quoted.sourcePort) + " > "
                    + Format.endpoint(quoted.network.destination, quoted.destinationPort)
                if let sequence = quoted.tcpSequenceNumber { line += " seq=\(sequence)" }
            }
        case .fragment:
            line += " \(network.transportProtocol.name) fragment"
        case .other(let proto):
            line += " \(proto.name)"
        case .none:
            break
        }
        if let fragment = network.fragment {
            line += " frag(id=\(network.identification) off=\(fragment.offset)\(fragment.moreFragments ? " +" : ""))"
        }
        if let tunnel = summary.tunnel { line += " tunnel=\(tunnel.rawValue)" }
        line += network.version == 4 ? " ttl=\(network.timeToLive) id=\(network.identification)" : " hlim=\(network.timeToLive)"
        line += " len=\(summary.payload.length)"
        if summary.payload.capturedLength < summary.payload.length { line += " (captured \(summary.payload.capturedLength))" }
        if case .malformed(let error) = summary.outcome { line += " MALFORMED \(error)" }
        return line + anomalies(summary)
    }

    private static func anomalies(_ summary: PacketSummary) -> String {
        let names = summary.anomalies.nameList
        return names.isEmpty ? "" : " ! " + names.joined(separator: ",")
    }
}

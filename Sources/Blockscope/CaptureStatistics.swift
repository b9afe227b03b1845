import WireFormat

/// What a run saw, counted without building strings per packet: keys are small values, named at the end.
public struct TrafficStatistics: Sendable {
    public var packets = 0
    /// Wire bytes (pcap `len`).
    public var bytes = 0
    public var capturedBytes = 0
    public var byLinkType: [LinkType: Int] {
        var counts = otherLinkTypes
        if ethernetFrames > 0 { counts[.ethernet, default: 0] += ethernetFrames }
        return counts
    }
    public var byProtocol: [ProtocolKey: Int] {
        var counts = otherProtocols
        if tcpPackets > 0 { counts[.tcp, default: 0] += tcpPackets }
        if udpPackets > 0 { counts[.udp, default: 0] += udpPackets }
        return counts
    }
    /// The common cases are counted in plain fields, the rest by key: two hashed dictionary updates per packet
    /// were 5% of the per-packet time.
    private var ethernetFrames = 0
    private var otherLinkTypes: [LinkType: Int] = [:]
    private var tcpPackets = 0
    private var udpPackets = 0
    private var otherProtocols: [ProtocolKey: Int] = [:]
    /// Malformed packets by (layer, reason); the offset is not part of the key.
    public var malformed: [WireError: Int] = [:]
    public var skipped: [SkipReason: Int] = [:]
    public var anomalies: [Int: Int] = [:]
    public var firstTimestamp: Timestamp?
    public var lastTimestamp: Timestamp?

    public init() {}

    mutating func add(_ summary: PacketSummary) {
        packets += 1
        bytes += summary.wireLength
        capturedBytes += summary.capturedLength
        if summary.linkType == .ethernet { ethernetFrames += 1 } else { otherLinkTypes[summary.linkType, default: 0] += 1 }
        firstTimestamp = min(firstTimestamp ?? summary.timestamp, summary.timestamp)
        lastTimestamp = max(lastTimestamp ?? summary.timestamp, summary.timestamp)
        switch summary.outcome {
        case .ok:
            switch ProtocolKey(summary) {
            case .tcp: tcpPackets += 1
            case .udp: udpPackets += 1
            case let key: otherProtocols[key, default: 0] += 1
            }
        case .malformed(let error):
            malformed[WireError(error.layer, error.reason, at: 0), default: 0] += 1
        case .skipped(let reason):
            if case .notIP(let type) = reason { otherProtocols[.link(type), default: 0] += 1 }
            skipped[reason, default: 0] += 1
        }
        if summary.anomalies.rawValue != 0 {
            var bits = summary.anomalies.rawValue
            while bits != 0 {
                let bit = bits.trailingZeroBitCount
                anomalies[bit, default: 0] += 1
                bits &= bits - 1
            }
        }
    }

    /// Named views for reports and JSON (sorted by name).
    public var linkTypeCounts: [(String, Int)] { byLinkType.map { ($0.key.name, $0.value) }.merged() }
    public var protocolCounts: [(String, Int)] { byProtocol.map { ($0.key.name, $0.value) }.merged() }
    public var malformedCounts: [(String, Int)] { malformed.map { ($0.key.key, $0.value) }.merged() }
    public var skippedCounts: [(String, Int)] { skipped.map { ($0.key.key, $0.value) }.merged() }
    public var anomalyCounts: [(String, Int)] {
        anomalies.compactMap { bit, count in
            Anomalies.names.first { $0.0.rawValue == 1 << UInt32(bit) }.map { ($0.1, count) }
        }.merged()
    }
}

extension Array where Element == (String, Int) {
    /// Sums counts of equal names and sorts by name.
    func merged() -> [(String, Int)] {
        var totals: [String: Int] = [:]
        for (name, count) in self { totals[name, default: 0] += count }
        return totals.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }
}

/// The protocol a packet is counted under in `by_protocol`: its most specific decoded layer.
public enum ProtocolKey: Hashable, Sendable {
    case tunnel(PacketSummary.Tunnel)
    case tcp, udp, icmp, icmpv6, ipFragment
    case ip(IPProtocol)
    case ipv4, ipv6
    case link(EtherType)

    init(_ summary: PacketSummary) {
        if let tunnel = summary.tunnel {
            self = .tunnel(tunnel)
            return
        }
        switch summary.transport {
        case .tcp: self = .tcp
        case .udp: self = .udp
        case .icmp(let info): self = info.version == 4 ? .icmp : .icmpv6
        case .fragment: self = .ipFragment
        case .other(let proto): self = .ip(proto)
        case .none: self = summary.network?.version == 6 ? .ipv6 : .ipv4
        }
    }

    public var name: String {
        switch self {
        case .tunnel(let tunnel): "tunnel-\(tunnel.rawValue)"
        case .tcp: "tcp"
        case .udp: "udp"
        case .icmp: "icmp"
        case .icmpv6: "icmpv6"
        case .ipFragment: "ip-fragment"
        case .ip(let proto): proto.name
        case .ipv4: "ipv4"
        case .ipv6: "ipv6"
        case .link(let type): type.name
        }
    }
}

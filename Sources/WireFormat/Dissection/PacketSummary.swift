/// Everything the dissector learned about one frame: a plain value, reset and refilled for every packet
/// (no heap allocation), that the flow tracker and `inspect` read.
public struct PacketSummary: Hashable, Sendable {
    public var timestamp: Timestamp = .zero
    public var linkType: LinkType = .ethernet
    /// Length on the wire (pcap `len`).
    public var wireLength = 0
    /// Length captured (pcap `caplen`).
    public var capturedLength = 0

    public var outcome: Outcome = .ok
    /// The network-layer protocol the link layer announced (EtherType, or its equivalent for other links).
    public var etherType: EtherType?
    public var vlanCount = 0
    public var outerVLAN: UInt16 = 0
    public var innerVLAN: UInt16 = 0

    public var network: NetworkHeader?
    public var transport: Transport = .none
    /// Where the transport payload is, and how long its length fields say it is.
    public var payload = PayloadLocation()
    public var tunnel: Tunnel?
    public var anomalies: Anomalies = []

    public init() {}

    public enum Outcome: Hashable, Sendable {
        case ok
        /// A header was impossible; the layers before it are filled in.
        case malformed(WireError)
        /// Nothing to dissect at the IP level (unsupported link type, non-IP EtherType, netlink, ...).
        case skipped(SkipReason)
    }

    public enum Transport: Hashable, Sendable {
        case none
        case tcp(TCPHeader)
        case udp(UDPHeader)
        case icmp(ICMPInfo)
        /// A fragment other than the first of a datagram not (yet) reassembled: the transport header is elsewhere.
        case fragment
        /// An IP protocol without a dissector (GRE, ESP, SCTP, ...).
        case other(IPProtocol)
    }

    /// Encapsulations recognised but not (yet) decapsulated: counted as such, not as garbage.
    public enum Tunnel: String, Hashable, Sendable {
        case ipInIP = "ipip"
        case ipv6InIP = "ipv6-in-ip"
        case gre
        case vxlan
        case geneve
        case gtpU = "gtp-u"
        case teredo
    }

    public var tcp: TCPHeader? {
        if case .tcp(let header) = transport { return header }
        return nil
    }

    public var udp: UDPHeader? {
        if case .udp(let header) = transport { return header }
        return nil
    }

    public var icmp: ICMPInfo? {
        if case .icmp(let info) = transport { return info }
        return nil
    }

    public var sourcePort: UInt16? { tcp?.sourcePort ?? udp?.sourcePort }
    public var destinationPort: UInt16? { tcp?.destinationPort ?? udp?.destinationPort }

    /// The protocol name this packet is counted under in `by_protocol` (most specific known layer).
    public var protocolName: String {
        if let tunnel { return tunnel.rawValue }
        switch transport {
        case .tcp: return "tcp"
        case .udp: return "udp"
        case .icmp(let info): return info.version == 4 ? "icmp" : "icmpv6"
        case .fragment: return "ip-fragment"
        case .other(let proto): return proto.name
        case .none:
            if let network { return network.version == 4 ? "ipv4" : "ipv6" }
            return etherType?.name ?? "unknown"
        }
    }
}

/// Why a frame was not dissected past the link layer. Counted per reason in `skipped`.
public enum SkipReason: Hashable, Sendable {
    case unsupportedLinkType(LinkType)
    /// A link-layer payload that is not IP (ARP, LLDP, LLC, ...).
    case notIP(EtherType)
    /// A loopback/PPP/SLL header naming a protocol Blockscope does not decode.
    case unknownLinkProtocol(UInt32)
    /// A fragment held for reassembly (its datagram is not complete yet).
    case fragmentHeld

    public var key: String {
        switch self {
        case .unsupportedLinkType(let type): "unsupported-link-type-\(type.rawValue)"
        case .notIP(let type): "not-ip-\(type.name)"
        case .unknownLinkProtocol(let value): "unknown-link-protocol-\(value)"
        case .fragmentHeld: "fragment-held"
        }
    }
}

/// Where a packet's transport payload lies: in the frame, or in the reassembler's buffer.
public struct PayloadLocation: Hashable, Sendable {
    public var inReassembledDatagram = false
    /// Offset of the payload's first byte in the frame (or reassembled datagram).
    public var offset = 0
    /// Payload length as the headers declare it (tshark's `tcp.len`).
    public var length = 0
    /// How many of those bytes are present (less than `length` when snaplen cut the frame).
    public var capturedLength = 0
    public init() {}
}

import WireFormat

/// One side of a conversation: address and port (port 0 for protocols without ports).
public struct Endpoint: Hashable, Sendable, Comparable {
    public var address: IPAddress
    public var port: UInt16

    public init(address: IPAddress, port: UInt16) {
        self.address = address
        self.port = port
    }

    public static func < (lhs: Endpoint, rhs: Endpoint) -> Bool {
        (lhs.address, lhs.port) < (rhs.address, rhs.port)
    }
}

/// A symmetric flow key: both directions of a conversation map to the same key (the lower endpoint first).
public struct FlowKey: Hashable, Sendable {
    public var transportProtocol: IPProtocol
    public var lower: Endpoint
    public var upper: Endpoint

    /// Every field, folded into three words for one seeded SipHash over 24 bytes (the synthesized hash fed nine
    /// fields, 39 bytes, for every packet's table lookup). Equality still compares every field.
    public func hash(into hasher: inout Hasher) {
        func fold(_ address: IPAddress) -> UInt64 {
            address.low ^ (address.high &* 0x9E37_79B9_7F4A_7C15) ^ (address.isIPv6 ? 0xFF51_AFD7_ED55_8CCD : 0)
        }
        hasher.combine(fold(lower.address))
        hasher.combine(fold(upper.address))
        hasher.combine(
            UInt64(lower.port) | UInt64(upper.port) << 16 | UInt64(transportProtocol.rawValue) << 32)
    }

    /// The key of a packet from `source` to `destination`; `isFromLower` tells which side sent it.
    public init(_ transportProtocol: IPProtocol, from source: Endpoint, to destination: Endpoint) {
        self.transportProtocol = transportProtocol
        if source <= destination {
            lower = source
            upper = destination
        } else {
            lower = destination
            upper = source
        }
    }

    /// The key of a dissected packet, or nil when it has no place in a flow (not IP, or a held fragment).
    public init?(_ summary: PacketSummary) {
        guard let (source, destination) = Self.endpoints(summary), let network = summary.network else { return nil }
        self.init(network.transportProtocol, from: source, to: destination)
    }

    /// The packet's source and destination endpoints: ports for TCP and UDP, Zeek's type/code mapping for ICMP,
    /// port 0 otherwise; nil when the packet has no place in a flow (not IP, or a held fragment).
    public static func endpoints(_ summary: PacketSummary) -> (source: Endpoint, destination: Endpoint)? {
        guard let network = summary.network else { return nil }
        let ports: (UInt16, UInt16)
        switch summary.transport {
        case .tcp(let tcp): ports = (tcp.sourcePort, tcp.destinationPort)
        case .udp(let udp): ports = (udp.sourcePort, udp.destinationPort)
        case .icmp(let icmp):
            // Zeek's and Community ID's mapping: echo request and reply share a flow; errors are one-way.
            let mapped = ICMPPorts.ports(type: icmp.type, code: icmp.code, version: icmp.version)
            ports = (mapped.source, mapped.destination)
        case .other: ports = (0, 0)
        case .fragment, .none: return nil
        }
        // A first fragment whose datagram is not whole yet is counted when the datagram completes.
        if network.fragment != nil, !summary.anomalies.contains(.reassembled) { return nil }
        return (Endpoint(address: network.source, port: ports.0), Endpoint(address: network.destination, port: ports.1))
    }
}

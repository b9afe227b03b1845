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

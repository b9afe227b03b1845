import WireFormat

/// A bounded table of flows keyed symmetrically. When full, the longest-idle flows are evicted (counted) in
/// batches so that eviction costs O(log n) per packet amortised. Time is packet time only.
public final class FlowTable {
    public let maximumFlows: Int
    private var index: [FlowKey: Int] = [:]
    private var flows: [Flow] = []
    /// Flows removed to make room, in eviction order (the caller reports them, then calls `removeEvicted`).
    public private(set) var evicted: [Flow] = []
    public private(set) var evictedCount = 0

    public init(maximumFlows: Int = 1_000_000) {
        self.maximumFlows = max(1, maximumFlows)
        index.reserveCapacity(min(self.maximumFlows, 65536))
    }

    public var count: Int { flows.count }

    /// Accounts one packet without looking at its payload.
    public func add(_ summary: PacketSummary) {
        var none: [ApplicationEvent]? = nil
        add(summary, payload: Span(), events: &none)
    }

    /// Accounts one dissected packet to its flow and offers its payload (`Dissector.withPayload`) to the flow's
    /// application probes. Packets without a flow key are ignored. When `events` is non-nil, what the packet
    /// revealed at the application layer is appended to it.
    public func add(_ summary: PacketSummary, payload: Span<UInt8>, events: inout [ApplicationEvent]?) {
        guard let key = FlowKey(summary), let network = summary.network else { return }
        let source = Endpoint(address: network.source, port: summary.sourcePort ?? 0)
        let destination = Endpoint(address: network.destination, port: summary.destinationPort ?? 0)
        if let position = index[key] {
            // In place: a flow may hold buffers, and copying it out and back would touch them every packet.
            // A SYN without ACK from the side we took for the responder: it is the real originator.
            if let tcp = summary.tcp, tcp.flags.contains(.syn), !tcp.flags.contains(.ack),
                source == flows[position].responder, !flows[position].orig.tcpFlags.contains(.syn)
            {
                flows[position].swapDirections()
            }
            flows[position].add(
                summary, payload: payload, fromOriginator: source == flows[position].originator, events: &events)
            return
        }
        if flows.count >= maximumFlows { evictIdle() }
        // A SYN-ACK seen first: its receiver opened the connection.
        var originator = source
        var responder = destination
        if let tcp = summary.tcp, tcp.flags.contains([.syn, .ack]) {
            originator = destination
            responder = source
        }
        index[key] = flows.count
        flows.append(Flow(key: key, originator: originator, responder: responder, at: summary.timestamp))
        flows[flows.count - 1].add(summary, payload: payload, fromOriginator: source == originator, events: &events)
    }

    /// Evicts the longest-idle eighth of the table (at least one flow).
    private func evictIdle() {
        let batch = max(1, maximumFlows / 8)
        let order = flows.indices.sorted { flows[$0].lastSeen < flows[$1].lastSeen }
        let victims = Set(order.prefix(batch))
        var kept: [Flow] = []
        kept.reserveCapacity(flows.count - victims.count)
        for (position, flow) in flows.enumerated() {
            if victims.contains(position) { evicted.append(flow) } else { kept.append(flow) }
        }
        evictedCount += victims.count
        flows = kept
        index.removeAll(keepingCapacity: true)
        for (position, flow) in flows.enumerated() { index[flow.key] = position }
    }

    /// Hands over the flows evicted since the last call.
    public func takeEvicted() -> [Flow] {
        defer { evicted.removeAll() }
        return evicted
    }

    /// All flows still in the table, in order of first packet (ties by key order of arrival), emptying it.
    public func drain() -> [Flow] {
        defer {
            flows.removeAll()
            index.removeAll()
        }
        return flows.enumerated().sorted { ($0.element.firstSeen, $0.offset) < ($1.element.firstSeen, $1.offset) }
            .map(\.element)
    }
}

import WireFormat

/// A bounded table of flows keyed symmetrically, driven by packet time only.
///
/// Flows end, and move to `finished` for the caller to report, when:
/// - they have been idle longer than their protocol's timeout (`idle-timeout`): checked whenever packet time has
///   advanced by a second since the last sweep;
/// - they were closed (FINs both ways, or a RST) and the same 5-tuple opens again with a new SYN, or the close is
///   older than `closeDelay` (`fin`, `rst-orig`, `rst-resp`);
/// - the table is full: the longest-idle eighth is evicted in one batch (`evicted`), so eviction costs O(log n) per
///   packet amortised;
/// - the capture ends (`drain`: `capture-end`, or the close reason of a closed flow).
public final class FlowTable {
    public struct Timeouts: Sendable {
        /// Zeek's `tcp_inactivity_timeout` is 5 min; Linux gives up on an established connection after ~15 min.
        public var tcp: Int64 = 300_000_000_000
        /// Keeps a call's flows together across short silences (research §6: 120 s).
        public var udp: Int64 = 120_000_000_000
        public var other: Int64 = 60_000_000_000
        /// How long a closed flow (FINs both ways, or a RST) stays for late packets, as Zeek's `tcp_close_delay`.
        public var closeDelay: Int64 = 5_000_000_000
        public init() {}
    }

    public let maximumFlows: Int
    public let timeouts: Timeouts
    private var index: [FlowKey: Int] = [:]
    private var flows: [Flow] = []
    /// What the once-a-second sweep reads of each flow, at the same position as in `flows`: a dense array of a few
    /// bytes per flow instead of fields scattered over 2 KB flows (the sweep visits every flow every second).
    private var activity: [Activity] = []

    private struct Activity {
        var lastSeen: Timestamp
        var closed: Bool
        var transport: IPProtocol

        /// Reads only the fields it needs, in place (passing the flow itself, or calling `Flow.isClosed` on it, made
        /// the compiler copy the whole flow, retaining every reference in it, per packet).
        init(_ flows: UnsafeMutableBufferPointer<Flow>, _ position: Int) {
            lastSeen = flows[position].lastSeen
            closed = Flow.isClosed(
                rst: flows[position].firstRSTFromOriginator, orig: flows[position].orig.tcpFlags,
                resp: flows[position].resp.tcpFlags)
            transport = flows[position].key.transportProtocol
        }
    }
    /// Flows that ended, in the order they ended; the caller reports them with `takeFinished()`.
    public private(set) var finished: [Flow] = []
    /// How many flows have ended so far (all reasons), including those already taken.
    public private(set) var finishedCount = 0
    public private(set) var evictedCount = 0
    private var lastSweep: Timestamp?
    /// Addresses that answered in some flow (sent at least one packet as its responder), with the time of their
    /// latest answer, bounded: the `resp_host_answered` facts (a same-host control) for flows that got no answer.
    private var answeringHosts: [IPAddress: Timestamp] = [:]
    static let maximumAnsweringHosts = 65536

    /// Whether `address` answered as the responder of any flow seen so far.
    public func hasAnswered(_ address: IPAddress) -> Bool { answeringHosts[address] != nil }

    /// When `address` last answered as the responder of a flow, if it did (packet time).
    public func lastAnswer(from address: IPAddress) -> Timestamp? { answeringHosts[address] }

    public init(maximumFlows: Int = 1_000_000, timeouts: Timeouts = Timeouts()) {
        self.maximumFlows = max(1, maximumFlows)
        self.timeouts = timeouts
        index.reserveCapacity(min(self.maximumFlows, 65536))
        // Room for the first 64k flows at once (address space only: pages are touched as flows arrive): growing the
        // array by doubling copied every flow into fresh, zeroed pages at each step.
        flows.reserveCapacity(min(self.maximumFlows, 65536))
        activity.reserveCapacity(min(self.maximumFlows, 65536))
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
        guard let (source, destination) = FlowKey.endpoints(summary), let network = summary.network else { return }
        sweepIfDue(at: summary.timestamp)
        attributeICMPError(summary)
        let key = FlowKey(network.transportProtocol, from: source, to: destination)
        let isNewSYN = summary.tcp.map { $0.flags.contains(.syn) && !$0.flags.contains(.ack) } ?? false
        if let position = index[key] {
            // In place, through one access to the table: a flow may hold buffers, and copying it out and back
            // would touch them every packet; each access to `flows[position]` would also be checked on its own.
            let added = flows.withUnsafeMutableBufferPointer { buffer -> (fromOriginator: Bool, activity: Activity)? in
                // The same 5-tuple opened again after a close (port reuse): the old connection is over.
                if isNewSYN, Flow.isClosed(
                    rst: buffer[position].firstRSTFromOriginator, orig: buffer[position].orig.tcpFlags,
                    resp: buffer[position].resp.tcpFlags)
                {
                    return nil
                }
                // A SYN without ACK from the side we took for the responder: it is the real originator.
                if isNewSYN, source == buffer[position].responder, !buffer[position].orig.tcpFlags.contains(.syn) {
                    buffer[position].swapDirections()
                }
                let fromOriginator = source == buffer[position].originator
                buffer[position].add(summary, payload: payload, fromOriginator: fromOriginator, events: &events)
                return (fromOriginator, Activity(buffer, position))
            }
            if let added {
                activity[position] = added.activity
                if !added.fromOriginator { recordAnswer(from: source.address, at: summary.timestamp) }
                return
            }
            finish(at: position, reason: nil)
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
        let last = flows.count - 1
        let added = flows.withUnsafeMutableBufferPointer { buffer in
            buffer[last].add(summary, payload: payload, fromOriginator: source == originator, events: &events)
            return Activity(buffer, last)
        }
        activity.append(added)
    }

    /// `address` answered as a flow's responder at `time` (the table of answering hosts is bounded: once full, only
    /// the hosts already in it are updated).
    private func recordAnswer(from address: IPAddress, at time: Timestamp) {
        if answeringHosts.count < Self.maximumAnsweringHosts {
            answeringHosts[address] = time
        } else if answeringHosts[address] != nil {
            answeringHosts[address] = time
        }
    }

    /// An ICMP error (unreachable, time exceeded, ...) quotes the packet it reports on: the flow of that packet
    /// gets it as evidence (a router or middlebox answering instead of the server). The error is also its own
    /// one-way ICMP flow, as in Zeek.
    private func attributeICMPError(_ summary: PacketSummary) {
        guard let icmp = summary.icmp, icmp.isError, let quoted = icmp.quoted,
            let sourcePort = quoted.sourcePort, let destinationPort = quoted.destinationPort
        else { return }
        let key = FlowKey(
            quoted.network.transportProtocol, from: Endpoint(address: quoted.network.source, port: sourcePort),
            to: Endpoint(address: quoted.network.destination, port: destinationPort))
        if let position = index[key] { flows[position].teardown.recordICMPError(summary) }
    }

    /// Ends flows idle past their timeout, and closed flows past the close delay; at most once per second of
    /// packet time, so the sweep costs O(flows) per second of traffic, not per packet.
    private func sweepIfDue(at now: Timestamp) {
        guard let last = lastSweep else {
            lastSweep = now
            return
        }
        guard now.nanoseconds(since: last) >= 1_000_000_000 else { return }
        lastSweep = now
        var position = 0
        while position < activity.count {
            let flow = activity[position]
            let idle = now.nanoseconds(since: flow.lastSeen)
            if flow.closed, idle > timeouts.closeDelay {
                finish(at: position, reason: nil)
            } else if idle > timeout(for: flow.transport) {
                finish(at: position, reason: .idleTimeout)
            } else {
                position += 1
            }
        }
    }

    private func timeout(for proto: IPProtocol) -> Int64 {
        switch proto {
        case .tcp: timeouts.tcp
        case .udp: timeouts.udp
        default: timeouts.other
        }
    }

    /// Removes the flow at `position` (the last flow takes its place) and queues it with its end reason.
    /// `reason` nil: the flow was closed, and ends for its close reason.
    private func finish(at position: Int, reason: Flow.EndReason?) {
        // Moved, not copied: the last flow swaps into the hole and the finished one leaves the array.
        let last = flows.count - 1
        if position != last {
            // Through the buffer: its swapAt moves the two flows' bytes; Array's copies each (~2 KB, retaining
            // every reference inside) and destroys the copies.
            flows.withUnsafeMutableBufferPointer { $0.swapAt(position, last) }
            activity.swapAt(position, last)
            index[flows.withUnsafeBufferPointer { $0[position].key }] = position
        }
        activity.removeLast()
        var flow = flows.removeLast()
        index[flow.key] = nil
        flow.endReason = reason ?? flow.closeReason ?? .fin
        flow.adoptZeekOrientation()
        finished.append(consume flow)
        finishedCount += 1
    }

    /// Evicts the longest-idle eighth of the table (at least one flow).
    private func evictIdle() {
        let batch = max(1, maximumFlows / 8)
        let order = activity.indices.sorted { activity[$0].lastSeen < activity[$1].lastSeen }
        var isVictim = [Bool](repeating: false, count: flows.count)
        for position in order.prefix(batch) { isVictim[position] = true }
        // The victims leave in table order; the others close up in place, in order (no second table at the
        // table's largest: memory stays bounded by --max-flows plus one batch).
        var kept = 0
        for position in flows.indices {
            if isVictim[position] {
                var flow = flows[position]
                flow.endReason = .evicted
                flow.adoptZeekOrientation()
                finished.append(flow)
            } else {
                if kept != position {
                    flows.withUnsafeMutableBufferPointer { $0.swapAt(kept, position) }
                    activity.swapAt(kept, position)
                }
                kept += 1
            }
        }
        let evicted = flows.count - kept
        flows.removeLast(evicted)
        activity.removeLast(evicted)
        evictedCount += evicted
        finishedCount += evicted
        index.removeAll(keepingCapacity: true)
        for position in flows.indices { index[flows[position].key] = position }
    }

    /// Hands over the flows that ended since the last call.
    public func takeFinished() -> [Flow] {
        defer { finished.removeAll() }
        return finished
    }

    /// Hands the flows that ended since the last call to `body`, one at a time in the order they ended, each moved
    /// out of the table (iterating `takeFinished()` copies every flow, retaining all it holds, then frees both).
    public func takeFinished(_ body: (consuming Flow) -> Void) {
        finished.withUnsafeMutableBufferPointer { $0.reverse() }
        while let flow = finished.popLast() { body(flow) }
    }

    /// Ends every flow still in the table (`capture-end`, or its close reason), in order of first packet, and
    /// returns them after those still waiting in `finished`.
    public func drain() -> [Flow] {
        index.removeAll()
        activity.removeAll()
        var open = flows
        flows = []
        // Sort positions, not flows, then permute in place: no second copy of the table at its largest.
        let order = open.indices.sorted { (open[$0].firstSeen, $0) < (open[$1].firstSeen, $1) }
        open.withUnsafeMutableBufferPointer { Self.permute(&$0, into: order) }
        for position in open.indices {
            open[position].endReason = open[position].closeReason ?? .captureEnd
            open[position].adoptZeekOrientation()
        }
        var result = takeFinished()
        if result.isEmpty { return open }
        result.append(contentsOf: open)
        return result
    }

    /// Rearranges `elements` so that position `i` holds what was at `order[i]`, by following cycles with swaps.
    static func permute<Elements: MutableCollection<Element>, Element>(_ elements: inout Elements, into order: [Int])
    where Elements.Index == Int {
        var placed = [Bool](repeating: false, count: order.count)
        for start in order.indices where !placed[start] {
            var position = start
            placed[position] = true
            while !placed[order[position]] {
                elements.swapAt(position, order[position])
                position = order[position]
                placed[position] = true
            }
        }
    }
}

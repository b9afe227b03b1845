import WireFormat

/// What a flow has seen so far. The originator is the side that sent the first packet seen (for TCP, a SYN
/// without ACK makes its sender the originator even when it was not seen first).
public struct Flow: Sendable {
    public var key: FlowKey
    public var originator: Endpoint
    public var responder: Endpoint
    public var firstSeen: Timestamp
    public var lastSeen: Timestamp
    public var orig = Direction()
    public var resp = Direction()
    /// Zeek's conn_state and history for this flow.
    public internal(set) var zeek = ZeekConnection()
    /// How the flow lived and died: retransmissions, silences, TTLs, RST/FIN details, goodput, ...
    public internal(set) var teardown = TeardownFacts()
    /// The application-layer probes' state (assemblers, decryptor).
    var application = ApplicationTracker()
    /// What the application-layer probes learned: SNI, ALPN, JA4, QUIC versions, STUN transactions, ...
    /// Stored here, not in the tracker behind a computed property: rules and reports read many of its fields per
    /// flow, and each read through a getter copied the whole struct (a dozen arrays and strings retained, then
    /// released): 15% of the CPU time of a run.
    public internal(set) var applicationFacts = ApplicationFacts()

    /// Per-direction counters.
    public struct Direction: Hashable, Sendable {
        public var packets = 0
        /// Transport payload bytes (Zeek's `orig_bytes`/`resp_bytes`, before any sequence-space analysis).
        public var payloadBytes = 0
        /// IP-level bytes (Zeek's `orig_ip_bytes`).
        public var ipBytes = 0
        /// Union of the TCP flags sent.
        public var tcpFlags: TCPFlags = []
        public var firstTTL: UInt8?
        public init() {}
    }

    public init(key: FlowKey, originator: Endpoint, responder: Endpoint, at time: Timestamp) {
        self.key = key
        self.originator = originator
        self.responder = responder
        firstSeen = time
        lastSeen = time
    }

    public var duration: Int64 { lastSeen.nanoseconds(since: firstSeen) }

    /// Why the flow's record was written (Zeek-like; RFC 5102 `flowEndReason` in spirit).
    public enum EndReason: String, Sendable {
        case fin
        case rstOriginator = "rst-orig"
        case rstResponder = "rst-resp"
        case idleTimeout = "idle-timeout"
        case captureEnd = "capture-end"
        case evicted
    }

    /// Set when the flow ends (nil while it is still in the table).
    public internal(set) var endReason: EndReason?
    /// Which side sent the first RST, if any.
    public internal(set) var firstRSTFromOriginator: Bool?

    /// A RST, or FINs from both sides: the connection is over (late packets may still come).
    public var isClosed: Bool {
        Self.isClosed(rst: firstRSTFromOriginator, orig: orig.tcpFlags, resp: resp.tcpFlags)
    }

    /// `isClosed` from the fields it reads (the flow table reads them in place: calling `isClosed` on a flow in the
    /// table made the compiler copy the flow).
    @inline(__always)
    static func isClosed(rst firstRSTFromOriginator: Bool?, orig: TCPFlags, resp: TCPFlags) -> Bool {
        firstRSTFromOriginator != nil || (orig.rawValue & TCPFlags.fin.rawValue != 0 && resp.rawValue & TCPFlags.fin.rawValue != 0)
    }

    /// The end reason a closed flow gets.
    var closeReason: EndReason? {
        if let fromOriginator = firstRSTFromOriginator { return fromOriginator ? .rstOriginator : .rstResponder }
        return orig.tcpFlags.contains(.fin) && resp.tcpFlags.contains(.fin) ? .fin : nil
    }

    /// Community ID v1 of the flow (seed 0).
    public var communityID: String { CommunityID.v1(self) }

    /// An ICMP flow of a message type without a counterpart (errors, ...): Community ID keeps its direction.
    public var isOneWayICMP: Bool {
        guard key.transportProtocol == .icmp || key.transportProtocol == .icmpv6 else { return false }
        let version: UInt8 = key.transportProtocol == .icmp ? 4 : 6
        return ICMPPorts.counterpart(of: UInt8(truncatingIfNeeded: originator.port), version: version) == nil
    }

    /// The side taken for the responder turned out to be the originator (its SYN came late).
    mutating func swapDirections() {
        swap(&orig, &resp)
        swap(&originator, &responder)
        firstRSTFromOriginator = firstRSTFromOriginator.map { !$0 }
        zeek.swapDirections()
        teardown.swapDirections()
        application.swapDirections()
        applicationFacts.swapDirections()
    }

    /// When the flow ends: where its start was missing and Zeek would call the other side the originator (the
    /// first packet came from a likely server port and was not a plain SYN), take Zeek's roles, so that the
    /// record's `history` and `conn_state` read the same way as Zeek's conn.log.
    mutating func adoptZeekOrientation() {
        if zeek.isReversed { swapDirections() }
    }

    /// Adds one packet, sent by the originator when `fromOriginator`, and offers its payload to the
    /// application probes. `events` collects what the packet revealed (for `inspect`) when non-nil.
    mutating func add(
        _ summary: PacketSummary, payload: Span<UInt8>, fromOriginator: Bool, events: inout [ApplicationEvent]?
    ) {
        add(summary, fromOriginator: fromOriginator)
        switch summary.transport {
        case .tcp(let tcp):
            application.addTCP(tcp, payload: payload, fromOriginator: fromOriginator, facts: &applicationFacts, events: &events)
        case .udp:
            if !payload.isEmpty {
                application.addUDP(payload: payload, fromOriginator: fromOriginator, facts: &applicationFacts, events: &events)
            }
        default:
            break
        }
    }

    /// Adds one packet to the counters, sent by the originator when `fromOriginator`.
    mutating func add(_ summary: PacketSummary, fromOriginator: Bool) {
        if let tcp = summary.tcp, tcp.flags.contains(.rst), firstRSTFromOriginator == nil {
            firstRSTFromOriginator = fromOriginator
        }
        zeek.record(summary, fromOriginator: fromOriginator)
        teardown.record(summary, fromOriginator: fromOriginator)
        lastSeen = max(lastSeen, summary.timestamp)
        func update(_ direction: inout Direction) {
            direction.packets += 1
            direction.payloadBytes += summary.payload.length
            direction.ipBytes += summary.network?.totalLength ?? 0
            if let tcp = summary.tcp { direction.tcpFlags.formUnion(tcp.flags) }
            if direction.firstTTL == nil { direction.firstTTL = summary.network?.timeToLive }
        }
        if fromOriginator { update(&orig) } else { update(&resp) }
    }
}

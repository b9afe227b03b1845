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
    /// The application-layer probes' state (assemblers, decryptor) and what they learned.
    var application = ApplicationTracker()
    /// What the application-layer probes learned: SNI, ALPN, JA4, QUIC versions, STUN transactions, ...
    public var applicationFacts: ApplicationFacts { application.facts }

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

    /// The side taken for the responder turned out to be the originator (its SYN came late).
    mutating func swapDirections() {
        swap(&orig, &resp)
        swap(&originator, &responder)
        zeek.swapDirections()
        teardown.swapDirections()
    }

    /// Adds one packet, sent by the originator when `fromOriginator`, and offers its payload to the
    /// application probes. `events` collects what the packet revealed (for `inspect`) when non-nil.
    mutating func add(
        _ summary: PacketSummary, payload: Span<UInt8>, fromOriginator: Bool, events: inout [ApplicationEvent]?
    ) {
        add(summary, fromOriginator: fromOriginator)
        switch summary.transport {
        case .tcp(let tcp):
            application.addTCP(tcp, payload: payload, fromOriginator: fromOriginator, events: &events)
        case .udp:
            if !payload.isEmpty { application.addUDP(payload: payload, fromOriginator: fromOriginator, events: &events) }
        default:
            break
        }
    }

    /// Adds one packet to the counters, sent by the originator when `fromOriginator`.
    mutating func add(_ summary: PacketSummary, fromOriginator: Bool) {
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

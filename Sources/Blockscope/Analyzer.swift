import FlowTracking
import WireFormat

/// The pipeline without I/O: frames in, statistics and flows out. One analyzer per run (one stream of packets);
/// it is synchronous and single-owner, so the per-packet path has no locks, no actor hops and no allocation
/// beyond the flow table's growth.
public final class Analyzer {
    public struct Configuration: Sendable {
        public var maximumFlows: Int
        public var reassemblyLimits: FragmentReassembler.Limits
        public init(maximumFlows: Int = 1_000_000, reassemblyLimits: FragmentReassembler.Limits = .init()) {
            self.maximumFlows = maximumFlows
            self.reassemblyLimits = reassemblyLimits
        }
    }

    public let dissector: Dissector
    public let flows: FlowTable
    public var statistics: TrafficStatistics { state.statistics }
    /// The summary of the last frame processed (valid until the next `process`).
    public var summary: PacketSummary { state.summary }
    /// What the last frame revealed at the application layer, when `collectsEvents` (for `inspect`).
    public var events: [ApplicationEvent]? { state.events }

    /// What each frame changes, in one stored property: the frame's path takes one access to it (each access to a
    /// class's stored property is checked for exclusivity at run time).
    private var state = State()

    private struct State {
        var statistics = TrafficStatistics()
        var summary = PacketSummary()
        var events: [ApplicationEvent]?
    }
    /// Whether `process` gathers `events` (costs allocation; off for `analyze` and `live`).
    public var collectsEvents = false

    public init(configuration: Configuration = .init()) {
        dissector = Dissector(reassemblyLimits: configuration.reassemblyLimits)
        flows = FlowTable(maximumFlows: configuration.maximumFlows)
    }

    /// Dissects one frame, counts it and accounts it to its flow; returns its summary.
    @discardableResult
    public func process(_ bytes: Span<UInt8>, linkType: LinkType, timestamp: Timestamp, wireLength: Int)
        -> PacketSummary
    {
        add(bytes, linkType: linkType, timestamp: timestamp, wireLength: wireLength)
        return summary
    }

    /// Dissects one frame, counts it and accounts it to its flow (`summary` holds what it was): `process` without
    /// returning a copy of the summary, for callers that do not read it.
    public func add(_ bytes: Span<UInt8>, linkType: LinkType, timestamp: Timestamp, wireLength: Int) {
        Self.add(
            bytes, linkType: linkType, timestamp: timestamp, wireLength: wireLength, collectsEvents: collectsEvents,
            dissector: dissector, flows: flows, state: &state)
    }

    private static func add(
        _ bytes: Span<UInt8>, linkType: LinkType, timestamp: Timestamp, wireLength: Int, collectsEvents: Bool,
        dissector: Dissector, flows: FlowTable, state: inout State
    ) {
        dissector.dissect(bytes, linkType: linkType, timestamp: timestamp, wireLength: wireLength, into: &state.summary)
        state.statistics.add(state.summary)
        if collectsEvents { state.events = [] } else if state.events != nil { state.events = nil }
        guard case .ok = state.summary.outcome else { return }
        account(bytes, state.summary, dissector: dissector, flows: flows, events: &state.events)
    }

    private static func account(
        _ bytes: Span<UInt8>, _ summary: PacketSummary, dissector: Dissector, flows: FlowTable,
        events: inout [ApplicationEvent]?
    ) {
        dissector.withPayload(of: summary, in: bytes) { payload in
            flows.add(summary, payload: payload, events: &events)
        }
    }

    /// Ends the run: the flows that ended and were not taken yet, then every flow still open, in order of first
    /// packet.
    public func finish() -> [Flow] {
        flows.drain()
    }
}

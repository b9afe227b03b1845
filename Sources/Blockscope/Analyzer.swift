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
    public private(set) var statistics = TrafficStatistics()
    /// The summary of the last frame processed (valid until the next `process`).
    public private(set) var summary = PacketSummary()
    /// What the last frame revealed at the application layer, when `collectsEvents` (for `inspect`).
    public private(set) var events: [ApplicationEvent]?
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
        dissector.dissect(bytes, linkType: linkType, timestamp: timestamp, wireLength: wireLength, into: &summary)
        statistics.add(summary)
        if collectsEvents { events = [] } else if events != nil { events = nil }
        if case .ok = summary.outcome {
            dissector.withPayload(of: summary, in: bytes) { payload in
                flows.add(summary, payload: payload, events: &events)
            }
        }
    }

    /// Ends the run: the flows that ended and were not taken yet, then every flow still open, in order of first
    /// packet.
    public func finish() -> [Flow] {
        flows.drain()
    }
}

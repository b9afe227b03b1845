import WireFormat

/// One RST or FIN as the flow saw it, with the evidence that tells a genuine teardown from an injected one
/// (blocking-taxonomy §3.1: TTL / hop distance, IP-ID, window, sequence fit, timing, bursts).
///
/// Every comparison is against the same side's *earlier non-RST packets* of this flow, so that an injected RST
/// does not pollute the baseline later RSTs are judged by.
public struct TeardownSignal: Hashable, Sendable {
    public enum Kind: String, Hashable, Sendable {
        case rst
        case fin
    }

    public var kind: Kind
    /// Sent by the flow's originator (the client) when true, by the responder otherwise.
    public var fromOriginator: Bool
    /// Packet time of the RST/FIN.
    public var time: Timestamp
    /// All TCP flags of the segment (e.g. RST alone vs RST+ACK).
    public var flags: TCPFlags
    /// IPv4 TTL or IPv6 hop limit of the RST/FIN.
    public var timeToLive: UInt8
    /// `timeToLive` minus the first TTL of the same side's earlier packets (positive: it arrived with more hops
    /// left, i.e. from closer); nil when the side sent nothing before.
    public var timeToLiveDifference: Int?
    /// True when `timeToLive` is outside [min, max] of the same side's earlier packets; nil when none.
    public var timeToLiveOutsideEarlierRange: Bool?
    /// IPv4 identification (0 for IPv6 without a fragment header).
    public var identification: UInt32
    /// IPv4 only: the identification is unlike the side's earlier packets — 0 where earlier ones were not, or
    /// more than `TeardownSignal.identificationDistanceBound` away from the last one (mod 2^16). Nil for IPv6 or
    /// when the side sent nothing before.
    public var identificationUnlikeEarlier: Bool?
    /// The window field as sent (unscaled).
    public var window: UInt16
    /// The sequence number lies within the receiver's advertised window of the sender's next expected sequence
    /// number (RFC 9293 §3.10.7.4 acceptance). Nil when the sender's sequence space is unknown.
    public var sequenceFits: Bool?
    /// With ACK set: the acknowledgment number acknowledges data the other side really sent (not beyond its
    /// highest sequence sent, not before its first). Nil without ACK or when the other side sent nothing.
    public var acknowledgmentFits: Bool?
    /// Nanoseconds since the other side's last packet (the trigger, for an injected RST); nil if none yet.
    public var sinceOtherSideLastPacket: Int64?

    /// Above this distance from the side's last IPv4 identification an IP-ID counts as unlike (mod 2^16).
    public static let identificationDistanceBound: UInt32 = 1024

    public init(
        kind: Kind, fromOriginator: Bool, time: Timestamp, flags: TCPFlags, timeToLive: UInt8,
        timeToLiveDifference: Int?, timeToLiveOutsideEarlierRange: Bool?, identification: UInt32,
        identificationUnlikeEarlier: Bool?, window: UInt16, sequenceFits: Bool?, acknowledgmentFits: Bool?,
        sinceOtherSideLastPacket: Int64?
    ) {
        self.kind = kind
        self.fromOriginator = fromOriginator
        self.time = time
        self.flags = flags
        self.timeToLive = timeToLive
        self.timeToLiveDifference = timeToLiveDifference
        self.timeToLiveOutsideEarlierRange = timeToLiveOutsideEarlierRange
        self.identification = identification
        self.identificationUnlikeEarlier = identificationUnlikeEarlier
        self.window = window
        self.sequenceFits = sequenceFits
        self.acknowledgmentFits = acknowledgmentFits
        self.sinceOtherSideLastPacket = sinceOtherSideLastPacket
    }
}

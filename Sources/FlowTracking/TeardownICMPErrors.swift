import WireFormat

/// The first ICMP error attributed to the flow (destination unreachable, time exceeded, ...) and how many there
/// were: a router that cannot deliver usually says so, a DPI drop does not.
public struct TeardownICMPErrors: Hashable, Sendable {
    /// ICMP / ICMPv6 error messages attributed to the flow.
    public var count = 0
    /// Packet time of the first one.
    public var firstTime: Timestamp?
    /// 4 for ICMP, 6 for ICMPv6.
    public var firstVersion: UInt8?
    public var firstType: UInt8?
    public var firstCode: UInt8?
    /// The address that sent the first error (a router, or the destination).
    public var firstSource: IPAddress?
    /// TTL / hop limit of the first error as received.
    public var firstTimeToLive: UInt8?

    public init() {}
}

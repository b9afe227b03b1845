/// What Blockscope keeps of an IPv4 or IPv6 header: a small value for flows, rules and tests.
public struct NetworkHeader: Hashable, Sendable {
    public init(version: UInt8, source: IPAddress, destination: IPAddress, timeToLive: UInt8, identification: UInt32, transportProtocol: IPProtocol, trafficClass: UInt8, flowLabel: UInt32, headerLength: Int, totalLength: Int, dontFragment: Bool, fragment: Fragment?) {
        self.version = version
        self.source = source
        self.destination = destination
        self.timeToLive = timeToLive
        self.identification = identification
        self.transportProtocol = transportProtocol
        self.trafficClass = trafficClass
        self.flowLabel = flowLabel
        self.headerLength = headerLength
        self.totalLength = totalLength
        self.dontFragment = dontFragment
        self.fragment = fragment
    }

    /// 4 or 6.
    public var version: UInt8
    public var source: IPAddress
    public var destination: IPAddress
    /// IPv4 TTL or IPv6 hop limit: the field injected packets most often betray themselves by.
    public var timeToLive: UInt8
    /// IPv4 identification, or the IPv6 fragment header's identification (0 when there is none).
    public var identification: UInt32
    /// The transport protocol after the IP header and any IPv6 extension headers.
    public var transportProtocol: IPProtocol
    /// Traffic class / DSCP+ECN byte.
    public var trafficClass: UInt8
    /// IPv6 flow label (0 for IPv4).
    public var flowLabel: UInt32
    /// IPv4 header length, or IPv6 fixed header plus extension headers.
    public var headerLength: Int
    /// Bytes of the datagram according to its length fields (header + payload).
    public var totalLength: Int
    /// IPv4 don't-fragment bit.
    public var dontFragment: Bool
    /// Fragment fields, when this packet is a fragment.
    public var fragment: Fragment?

    public struct Fragment: Hashable, Sendable {
        public init(offset: Int, moreFragments: Bool) {
            self.offset = offset
            self.moreFragments = moreFragments
        }

        /// Offset of this fragment's data in the original datagram's payload, in bytes.
        public var offset: Int
        public var moreFragments: Bool
        public var isFirst: Bool { offset == 0 }
    }
}

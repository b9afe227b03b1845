/// Non-fatal oddities of one packet. Rules and the flow tracker may read them; none stops dissection.
public struct Anomalies: OptionSet, Hashable, Sendable {
    public var rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// The frame was cut by the capture's snapshot length: headers are whole, payload is partial.
    public static let snaplenTruncated = Anomalies(rawValue: 1 << 0)
    /// The IPv4 header checksum does not verify.
    public static let ipv4BadChecksum = Anomalies(rawValue: 1 << 1)
    /// An IP length field claims more bytes than the frame holds, and the frame was not cut by snaplen.
    public static let ipLengthExceedsFrame = Anomalies(rawValue: 1 << 2)
    /// IPv4 total length 0: typical of TCP segmentation offload on the capturing host; the frame length is used.
    public static let ipv4TotalLengthZero = Anomalies(rawValue: 1 << 3)
    /// IPv6 payload length 0 (jumbogram or offload); the frame length is used.
    public static let ipv6PayloadLengthZero = Anomalies(rawValue: 1 << 4)
    /// A TCP option's length field is impossible; option parsing stopped there.
    public static let tcpBadOption = Anomalies(rawValue: 1 << 5)
    /// The UDP length field disagrees with the IP payload length.
    public static let udpLengthMismatch = Anomalies(rawValue: 1 << 6)
    /// This fragment overlaps bytes already received for the same datagram (the first copy is kept).
    public static let fragmentOverlap = Anomalies(rawValue: 1 << 7)
    /// An overlapping fragment carried different bytes than the first copy: a classic evasion/insertion signal.
    public static let fragmentOverlapInconsistent = Anomalies(rawValue: 1 << 8)
    /// A fragment would extend the datagram past 65535 bytes, or contradicts the known end.
    public static let fragmentBadLength = Anomalies(rawValue: 1 << 9)
    /// The quoted datagram inside an ICMP error is cut short; only what is there was read.
    public static let icmpQuoteTruncated = Anomalies(rawValue: 1 << 10)
    /// Link-layer bytes beyond the IP datagram's length other than Ethernet's minimum-frame padding.
    public static let trailingBytes = Anomalies(rawValue: 1 << 11)
    /// TCP flag combination no stack sends (SYN+FIN, SYN+RST, no flags at all).
    public static let tcpImpossibleFlags = Anomalies(rawValue: 1 << 12)
    /// IPv4 header with options (legal, rare, and sometimes a middlebox fingerprint).
    public static let ipv4Options = Anomalies(rawValue: 1 << 13)
    /// This packet completed an IP datagram that had been split into fragments.
    public static let reassembled = Anomalies(rawValue: 1 << 14)

    /// Names for reports, in bit order.
    public static let names: [(Anomalies, String)] = [
        (.snaplenTruncated, "snaplen-truncated"), (.ipv4BadChecksum, "ipv4-bad-checksum"),
        (.ipLengthExceedsFrame, "ip-length-exceeds-frame"), (.ipv4TotalLengthZero, "ipv4-total-length-zero"),
        (.ipv6PayloadLengthZero, "ipv6-payload-length-zero"), (.tcpBadOption, "tcp-bad-option"),
        (.udpLengthMismatch, "udp-length-mismatch"), (.fragmentOverlap, "fragment-overlap"),
        (.fragmentOverlapInconsistent, "fragment-overlap-inconsistent"), (.fragmentBadLength, "fragment-bad-length"),
        (.icmpQuoteTruncated, "icmp-quote-truncated"), (.trailingBytes, "trailing-bytes"),
        (.tcpImpossibleFlags, "tcp-impossible-flags"), (.ipv4Options, "ipv4-options"), (.reassembled, "reassembled"),
    ]

    /// The names of the anomalies set here, in bit order.
    public var nameList: [String] { Self.names.compactMap { contains($0.0) ? $0.1 : nil } }
}

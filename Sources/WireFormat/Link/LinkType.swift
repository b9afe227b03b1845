/// A link-layer header type as libpcap reports it (`pcap_datalink`), which for files is the DLT value libpcap
/// maps the file's LINKTYPE_ to. An open set: unknown values are kept and print as their number.
///
/// See https://www.tcpdump.org/linktypes.html. Where a LINKTYPE_ and a DLT_ value differ (RAW: 101 vs 12/14;
/// LOOP: 108 vs 12 on OpenBSD) both are listed, because pcapng files and other tools may hand over either.
public struct LinkType: RawRepresentable, Hashable, Sendable, Comparable {
    public var rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// BSD loopback: a 4-byte address family in the byte order of the machine that captured.
    public static let null = LinkType(rawValue: 0)
    public static let ethernet = LinkType(rawValue: 1)
    public static let ppp = LinkType(rawValue: 9)
    /// DLT_RAW on most platforms.
    public static let dltRaw = LinkType(rawValue: 12)
    /// DLT_RAW on OpenBSD.
    public static let dltRawOpenBSD = LinkType(rawValue: 14)
    /// PPP in HDLC-like framing (RFC 1662).
    public static let pppHDLC = LinkType(rawValue: 50)
    /// LINKTYPE_RAW: raw IPv4 or IPv6, told apart by the version nibble.
    public static let raw = LinkType(rawValue: 101)
    /// OpenBSD loopback: like `null` but the address family is in network byte order.
    public static let loop = LinkType(rawValue: 108)
    /// Linux "cooked" capture, version 1.
    public static let linuxSLL = LinkType(rawValue: 113)
    public static let ipv4 = LinkType(rawValue: 228)
    public static let ipv6 = LinkType(rawValue: 229)
    /// Linux "cooked" capture, version 2.
    public static let linuxSLL2 = LinkType(rawValue: 276)

    public static func < (lhs: LinkType, rhs: LinkType) -> Bool { lhs.rawValue < rhs.rawValue }

    /// Whether the dissector decodes this link type.
    public var isSupported: Bool {
        switch self {
        case .null, .ethernet, .ppp, .dltRaw, .dltRawOpenBSD, .pppHDLC, .raw, .loop, .linuxSLL, .ipv4, .ipv6,
             .linuxSLL2:
            return true
        default:
            return false
        }
    }

    /// The name used in reports and JSON (`by_link_type`); unknown types print as `linktype-N`.
    public var name: String {
        switch self {
        case .null: "null"
        case .ethernet: "ethernet"
        case .ppp: "ppp"
        case .dltRaw, .dltRawOpenBSD, .raw: "raw"
        case .pppHDLC: "ppp-hdlc"
        case .loop: "loop"
        case .linuxSLL: "linux-sll"
        case .ipv4: "ipv4"
        case .ipv6: "ipv6"
        case .linuxSLL2: "linux-sll2"
        default: "linktype-\(rawValue)"
        }
    }
}

extension LinkType: CustomStringConvertible {
    public var description: String { "\(name)(\(rawValue))" }
}

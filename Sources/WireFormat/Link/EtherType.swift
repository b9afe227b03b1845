/// An EtherType (IEEE 802.3 type field). An open set: unknown values are kept and print as hex.
public struct EtherType: RawRepresentable, Hashable, Sendable {
    public var rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    public static let ipv4 = EtherType(rawValue: 0x0800)
    public static let arp = EtherType(rawValue: 0x0806)
    public static let vlan = EtherType(rawValue: 0x8100)
    public static let ipv6 = EtherType(rawValue: 0x86dd)
    public static let mpls = EtherType(rawValue: 0x8847)
    public static let mplsMulticast = EtherType(rawValue: 0x8848)
    public static let pppoeDiscovery = EtherType(rawValue: 0x8863)
    public static let pppoeSession = EtherType(rawValue: 0x8864)
    /// IEEE 802.1ad service tag (QinQ outer tag).
    public static let serviceVLAN = EtherType(rawValue: 0x88a8)
    public static let lldp = EtherType(rawValue: 0x88cc)
    /// Pre-standard QinQ outer tag used by some vendors.
    public static let qinqLegacy = EtherType(rawValue: 0x9100)

    /// Values ≤ 1500 are an IEEE 802.3 length, not a type: the payload is LLC.
    public var isLength: Bool { rawValue <= 1500 }

    /// A short name for statistics (`by_protocol`), hex for unknown values.
    public var name: String {
        switch self {
        case .ipv4: "ipv4"
        case .arp: "arp"
        case .ipv6: "ipv6"
        case .mpls, .mplsMulticast: "mpls"
        case .pppoeDiscovery: "pppoe-discovery"
        case .pppoeSession: "pppoe"
        case .lldp: "lldp"
        default: isLength ? "llc" : "ethertype-0x" + String(rawValue, radix: 16, uppercase: false)
        }
    }
}

extension EtherType: CustomStringConvertible {
    public var description: String { name }
}

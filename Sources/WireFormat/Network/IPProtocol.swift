/// An IP protocol number (IPv4 protocol / IPv6 next header). An open set: unknown values are kept.
public struct IPProtocol: RawRepresentable, Hashable, Sendable {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let hopByHop = IPProtocol(rawValue: 0)
    public static let icmp = IPProtocol(rawValue: 1)
    public static let igmp = IPProtocol(rawValue: 2)
    public static let ipInIP = IPProtocol(rawValue: 4)
    public static let tcp = IPProtocol(rawValue: 6)
    public static let udp = IPProtocol(rawValue: 17)
    public static let ipv6InIP = IPProtocol(rawValue: 41)
    public static let routing = IPProtocol(rawValue: 43)
    public static let fragment = IPProtocol(rawValue: 44)
    public static let gre = IPProtocol(rawValue: 47)
    public static let esp = IPProtocol(rawValue: 50)
    public static let authenticationHeader = IPProtocol(rawValue: 51)
    public static let icmpv6 = IPProtocol(rawValue: 58)
    public static let noNextHeader = IPProtocol(rawValue: 59)
    public static let destinationOptions = IPProtocol(rawValue: 60)
    public static let sctp = IPProtocol(rawValue: 132)
    public static let mobility = IPProtocol(rawValue: 135)
    public static let hip = IPProtocol(rawValue: 139)
    public static let shim6 = IPProtocol(rawValue: 140)

    /// IPv6 extension headers that share the generic (next header, length) layout (RFC 8200 §4, RFC 7045).
    var isIPv6ExtensionHeader: Bool {
        switch self {
        case .hopByHop, .routing, .fragment, .destinationOptions, .authenticationHeader, .mobility, .hip, .shim6:
            return true
        default:
            return false
        }
    }

    /// A short name for statistics (`by_protocol`); unknown values print as `ip-proto-N`.
    public var name: String {
        switch self {
        case .icmp: "icmp"
        case .igmp: "igmp"
        case .ipInIP: "ipip"
        case .tcp: "tcp"
        case .udp: "udp"
        case .ipv6InIP: "ipv6-in-ip"
        case .gre: "gre"
        case .esp: "esp"
        case .authenticationHeader: "ah"
        case .icmpv6: "icmpv6"
        case .noNextHeader: "ipv6-no-next"
        case .sctp: "sctp"
        default: "ip-proto-\(rawValue)"
        }
    }
}

extension IPProtocol: CustomStringConvertible {
    public var description: String { name }
}

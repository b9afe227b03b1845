/// Why a packet could not be dissected: which layer, what was wrong, and where (byte offset in the frame).
///
/// A malformed packet is routine on real networks, so this is a small value, cheap to create and to count.
/// Non-fatal oddities are `Anomalies` on the summary instead.
public struct WireError: Error, Hashable, Sendable {
    public var layer: Layer
    public var reason: Reason
    /// Byte offset, from the start of the frame (or of the reassembled datagram), where the problem was found.
    public var offset: Int

    public init(_ layer: Layer, _ reason: Reason, at offset: Int) {
        self.layer = layer
        self.reason = reason
        self.offset = offset
    }

    public enum Layer: String, Sendable, CaseIterable {
        case ethernet, vlan, sll, sll2, loopback, ppp, pppoe, mpls
        case ipv4, ipv6, ipv6Extension = "ipv6-ext", fragment
        case tcp, udp, icmp, icmpv6
        case tls, dtls
        case stun, turnChannel = "turn-channel", stunFraming = "stun-framing", rtp, rtcp
        case quic
    }

    public enum Reason: String, Sendable, CaseIterable {
        /// The buffer ends before a header that its own length fields (or the fixed layout) say is there.
        case truncated
        /// A version field holds a value this layer cannot be (e.g. IPv4 header whose version is not 4).
        case badVersion = "bad-version"
        /// A header-length field is smaller than the fixed header or larger than the data.
        case badHeaderLength = "bad-header-length"
        /// A total/payload length field contradicts the header it belongs to.
        case badLength = "bad-length"
        /// A chain (VLAN tags, IPv6 extension headers, MPLS labels) is longer than the fixed limit.
        case tooManyHeaders = "too-many-headers"
        /// A value that makes the rest undecodable (e.g. fragment offset past 64 KiB).
        case badValue = "bad-value"
    }

    /// A stable key for statistics, such as `ipv4.bad-header-length`.
    public var key: String { "\(layer.rawValue).\(reason.rawValue)" }
}

extension WireError: CustomStringConvertible {
    public var description: String { "\(key) at byte \(offset)" }
}

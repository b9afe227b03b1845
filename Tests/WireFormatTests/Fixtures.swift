@testable import WireFormat

/// Test fixtures: real frames, one header per line. Sources are named on each.
enum Fixture {
    /// Captures/loopback-facetime-tls.pcap frame 1: TCP SYN 127.0.0.1:40798 → 127.0.0.1:8443 (Linux 6.x stack).
    static let ethernetIPv4TCPSyn: [UInt8] =
        [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x08, 0x00]  // Ethernet: dst, src (zero MACs on lo), IPv4
        + [0x45, 0x00, 0x00, 0x3c, 0xfd, 0x16, 0x40, 0x00, 0x40, 0x06, 0x3f, 0xa3,  // IPv4: IHL 5, len 60, id, DF, TTL 64, TCP
           0x7f, 0x00, 0x00, 0x01, 0x7f, 0x00, 0x00, 0x01]  // 127.0.0.1 → 127.0.0.1
        + tcpSyn

    /// The TCP part of `ethernetIPv4TCPSyn`.
    static let tcpSyn: [UInt8] =
        [0x9f, 0x5e, 0x20, 0xfb, 0x94, 0xb2, 0x0e, 0x80, 0x00, 0x00, 0x00, 0x00,  // ports 40798 → 8443, seq, ack 0
         0xa0, 0x02, 0xff, 0xd7, 0xfe, 0x30, 0x00, 0x00]  // offset 10 words, SYN, window 65495, checksum, urg
        + [0x02, 0x04, 0xff, 0xd7]  // MSS 65495
        + [0x04, 0x02]  // SACK permitted
        + [0x08, 0x0a, 0x7d, 0xc9, 0x9b, 0x65, 0x00, 0x00, 0x00, 0x00]  // timestamps
        + [0x01, 0x03, 0x03, 0x0a]  // NOP, window scale 10

    /// The IPv4 packet inside `ethernetIPv4TCPSyn`.
    static var ipv4TCPSyn: [UInt8] { Array(ethernetIPv4TCPSyn[14...]) }

    /// Captures/loopback-facetime-tls.pcap frame 19: UDP 127.0.0.1:40001 → :40000, 23 bytes of payload.
    static let ethernetIPv4UDP: [UInt8] =
        [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x08, 0x00]
        + [0x45, 0x00, 0x00, 0x33, 0x56, 0x9c, 0x40, 0x00, 0x40, 0x11, 0xe6, 0x1b,
           0x7f, 0x00, 0x00, 0x01, 0x7f, 0x00, 0x00, 0x01]
        + [0x9c, 0x41, 0x9c, 0x40, 0x00, 0x1f, 0xfe, 0x32]  // UDP: 40001 → 40000, length 31
        + Array("blockscope-udp-probe-1 ".utf8)

    /// Captures/loopback-facetime-tls.pcap frame 30: the kernel's RST/ACK from the closed port 8444.
    static let ethernetIPv4TCPRst: [UInt8] =
        [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x08, 0x00]
        + [0x45, 0x00, 0x00, 0x28, 0x00, 0x00, 0x40, 0x00, 0x40, 0x06, 0x3c, 0xce,
           0x7f, 0x00, 0x00, 0x01, 0x7f, 0x00, 0x00, 0x01]
        + [0x20, 0xfc, 0x8d, 0xbc, 0x00, 0x00, 0x00, 0x00, 0x78, 0xb5, 0xdf, 0xd9,
           0x50, 0x14, 0x00, 0x00, 0xaa, 0x86, 0x00, 0x00]

    /// Hand-built: IPv6 2001:db8::1 → 2001:db8::2, hop-by-hop options header (PadN), then UDP 5000 → 3478.
    static let ipv6HopByHopUDP: [UInt8] =
        [0x60, 0x01, 0x23, 0x45, 0x00, 0x14, 0x00, 0x40]  // version 6, class 0x00... label 0x12345, len 20, HBH, hlim 64
        + [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01]  // source
        + [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02]  // destination
        + [0x11, 0x00, 0x01, 0x04, 0x00, 0x00, 0x00, 0x00]  // HBH: next UDP, len 0 (8 bytes), PadN 4
        + [0x13, 0x88, 0x0d, 0x96, 0x00, 0x0c, 0x00, 0x00]  // UDP 5000 → 3478, length 12
        + [0xde, 0xad, 0xbe, 0xef]

    /// Hand-built: Ethernet with an 802.1ad S-tag (VLAN 100) and an 802.1Q C-tag (VLAN 200), then the SYN.
    static var qinqTCPSyn: [UInt8] {
        Array(repeating: 0, count: 12)
            + [0x88, 0xa8, 0x00, 0x64]  // S-tag, VLAN 100
            + [0x81, 0x00, 0x00, 0xc8]  // C-tag, VLAN 200
            + [0x08, 0x00]
            + ipv4TCPSyn
    }

    /// Linux cooked v1 header (outgoing, ARPHRD_ETHER, 6-byte address, IPv4) + the SYN.
    static var sllTCPSyn: [UInt8] {
        [0x00, 0x04, 0x00, 0x01, 0x00, 0x06, 1, 2, 3, 4, 5, 6, 0, 0, 0x08, 0x00] + ipv4TCPSyn
    }

    /// Linux cooked v2 header (IPv4, ifindex 2, ARPHRD_ETHER, outgoing) + the SYN.
    static var sll2TCPSyn: [UInt8] {
        [0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x01, 0x04, 0x06, 1, 2, 3, 4, 5, 6, 0, 0] + ipv4TCPSyn
    }

    /// Hand-built: Ethernet, PPPoE session (RFC 2516), PPP protocol IPv4, then the SYN.
    static var pppoeTCPSyn: [UInt8] {
        Array(repeating: 0, count: 12) + [0x88, 0x64, 0x11, 0x00, 0x00, 0x01, 0x00, 0x3e, 0x00, 0x21] + ipv4TCPSyn
    }

    /// Hand-built: Ethernet, two MPLS labels (RFC 3032; bottom-of-stack on the second), then the SYN.
    static var mplsTCPSyn: [UInt8] {
        Array(repeating: 0, count: 12) + [0x88, 0x47, 0x00, 0x01, 0x00, 0x40, 0x00, 0x02, 0x01, 0x40] + ipv4TCPSyn
    }

    /// The 2001:db8:: UDP packet split into IPv4 fragments is built in the tests; this is a 3-fragment UDP datagram.
    static func ipv4Fragments(payload: [UInt8], identification: UInt16, sizes: [Int]) -> [[UInt8]] {
        var result: [[UInt8]] = []
        var offset = 0
        for (index, size) in sizes.enumerated() {
            let last = index == sizes.count - 1
            let chunk = Array(payload[offset..<min(payload.count, offset + size)])
            let total = 20 + chunk.count
            let flags: UInt16 = (last ? 0 : 0x2000) | UInt16(offset / 8)
            var header: [UInt8] = [
                0x45, 0, UInt8(total >> 8), UInt8(total & 0xff), UInt8(identification >> 8), UInt8(identification & 0xff),
                UInt8(flags >> 8), UInt8(flags & 0xff), 64, 17, 0, 0, 192, 0, 2, 1, 198, 51, 100, 7,
            ]
            var sum: UInt32 = 0
            for i in stride(from: 0, to: 20, by: 2) { sum += UInt32(header[i]) << 8 | UInt32(header[i + 1]) }
            while sum > 0xffff { sum = (sum & 0xffff) + (sum >> 16) }
            header[10] = UInt8(~sum >> 8 & 0xff)
            header[11] = UInt8(~sum & 0xff)
            result.append(header + chunk)
            offset += size
        }
        return result
    }

    /// A UDP datagram (header + payload) of `length` payload bytes, ports 5000 → 3478.
    static func udpDatagram(payloadLength: Int) -> [UInt8] {
        let total = 8 + payloadLength
        return [0x13, 0x88, 0x0d, 0x96, UInt8(total >> 8), UInt8(total & 0xff), 0, 0]
            + (0..<payloadLength).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 3) }
    }
}

/// Dissects one frame with a fresh dissector.
func dissect(_ bytes: [UInt8], linkType: LinkType = .ethernet, wireLength: Int? = nil, nanoseconds: Int64 = 1_000_000_000,
             using dissector: Dissector = Dissector()) -> PacketSummary {
    var summary = PacketSummary()
    dissector.dissect(
        bytes.span, linkType: linkType, timestamp: Timestamp(nanoseconds: nanoseconds),
        wireLength: wireLength ?? bytes.count, into: &summary)
    return summary
}

/// The payload bytes the dissector exposes for `summary`.
func payloadBytes(_ summary: PacketSummary, frame: [UInt8], dissector: Dissector) -> [UInt8] {
    dissector.withPayload(of: summary, in: frame.span) { span in (0..<span.count).map { span[$0] } }
}

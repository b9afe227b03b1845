/// What Blockscope keeps of an RTCP compound packet: the first packet's header and how many packets follow it.
public struct RTCPHeader: Hashable, Sendable {
    /// 200 SR, 201 RR, 202 SDES, 203 BYE, 204 APP, 205 RTPFB, 206 PSFB, 207 XR (RFC 3550 §12.1, RFC 4585, RFC 3611).
    public var packetType: UInt8
    /// The 5-bit count field (reception reports, sources, or feedback message type).
    public var count: UInt8
    /// SSRC of the sender of the first packet.
    public var ssrc: UInt32
    /// RTCP packets walked in the compound packet (at least 1).
    public var packetCount: Int
    /// Bytes after the last whole RTCP packet: SRTCP's E flag, index and authentication tag (RFC 3711 §3.4), or
    /// the encrypted rest of an SRTCP compound packet.
    public var trailingLength: Int

    public init(packetType: UInt8, count: UInt8, ssrc: UInt32, packetCount: Int, trailingLength: Int) {
        self.packetType = packetType
        self.count = count
        self.ssrc = ssrc
        self.packetCount = packetCount
        self.trailingLength = trailingLength
    }
}

/// An RTCP compound packet (RFC 3550 §6.1, §6.4), or SRTCP (RFC 3711 §3.4).
///
/// ```
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |V=2|P|   RC    |   PT=SR=200   |             length            |
/// |                         SSRC of sender                        |
/// |                  ... report blocks, SDES items ...            |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ```
/// The length is the packet's size in 32-bit words minus one. `init(validating:)` checks the first packet:
/// version 2, packet type 192–223 (RFC 5761 §4), length within the datagram. Following packets are walked while
/// they have the same shape (at most `maximumPackets`); SRTCP encrypts everything after the first 8 bytes, so
/// what does not parse is counted as trailing bytes, not rejected.
public struct RTCPPacket: ~Escapable {
    private enum Field {
        static let flags = 0
        static let packetType = 1
        static let length = 2
        static let ssrc = 4
        static let headerLength = 8
    }

    public static let maximumPackets = 16

    public let bytes: Span<UInt8>
    public let packetCount: Int
    /// Bytes covered by the walked packets.
    public let walkedLength: Int

    @_lifetime(copy bytes)
    public init(validating bytes: Span<UInt8>) throws(WireError) {
        guard bytes.count >= Field.headerLength else { throw WireError(.rtcp, .truncated, at: 0) }
        guard bytes.uint8(at: Field.flags) >> 6 == 2 else { throw WireError(.rtcp, .badVersion, at: Field.flags) }
        guard RTPPacket.rtcpPacketTypes.contains(bytes.uint8(at: Field.packetType)) else {
            throw WireError(.rtcp, .badValue, at: Field.packetType)
        }
        let first = (Int(bytes.uint16(at: Field.length)) + 1) * 4
        guard first >= Field.headerLength else { throw WireError(.rtcp, .badLength, at: Field.length) }
        guard bytes.count >= first else { throw WireError(.rtcp, .truncated, at: Field.headerLength) }
        var offset = first
        var count = 1
        while count < Self.maximumPackets, bytes.count - offset >= 4 {
            guard bytes.uint8(at: offset) >> 6 == 2,
                RTPPacket.rtcpPacketTypes.contains(bytes.uint8(at: offset + 1))
            else { break }
            let length = (Int(bytes.uint16(at: offset + Field.length)) + 1) * 4
            guard bytes.count - offset >= length else { break }
            offset += length
            count += 1
        }
        self.bytes = bytes
        packetCount = count
        walkedLength = offset
    }

    public var padding: Bool { bytes.uint8(at: Field.flags) & 0x20 != 0 }
    public var count: UInt8 { bytes.uint8(at: Field.flags) & 0x1f }
    public var packetType: UInt8 { bytes.uint8(at: Field.packetType) }
    /// The first packet's length in bytes.
    public var length: Int { (Int(bytes.uint16(at: Field.length)) + 1) * 4 }
    public var ssrc: UInt32 { bytes.uint32(at: Field.ssrc) }

    public var header: RTCPHeader {
        RTCPHeader(
            packetType: packetType, count: count, ssrc: ssrc, packetCount: packetCount,
            trailingLength: bytes.count - walkedLength)
    }
}

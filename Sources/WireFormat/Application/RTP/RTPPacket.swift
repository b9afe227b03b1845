/// What Blockscope keeps of an RTP header.
public struct RTPHeader: Hashable, Sendable {
    public var padding: Bool
    public var hasExtension: Bool
    public var csrcCount: UInt8
    public var marker: Bool
    public var payloadType: UInt8
    public var sequenceNumber: UInt16
    public var timestamp: UInt32
    public var ssrc: UInt32
    /// Fixed header, CSRC list and header extension.
    public var headerLength: Int
    /// Payload bytes, padding excluded (for SRTP: ciphertext and authentication tag).
    public var payloadLength: Int

    public init(
        padding: Bool, hasExtension: Bool, csrcCount: UInt8, marker: Bool, payloadType: UInt8, sequenceNumber: UInt16,
        timestamp: UInt32, ssrc: UInt32, headerLength: Int, payloadLength: Int
    ) {
        self.padding = padding
        self.hasExtension = hasExtension
        self.csrcCount = csrcCount
        self.marker = marker
        self.payloadType = payloadType
        self.sequenceNumber = sequenceNumber
        self.timestamp = timestamp
        self.ssrc = ssrc
        self.headerLength = headerLength
        self.payloadLength = payloadLength
    }
}

/// An RTP packet (RFC 3550 §5.1), also SRTP (RFC 3711 §3.1: same header, encrypted payload).
///
/// ```
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |V=2|P|X|  CC   |M|     PT      |       sequence number         |
/// |                           timestamp                           |
/// |           synchronization source (SSRC) identifier            |
/// |            contributing source (CSRC) identifiers             |   CC × 4 bytes
/// |      defined by profile       |           length              |   if X (§5.3.1), then
/// |                        header extension                       |   length × 4 bytes
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ```
/// `init(validating:)` asks for version 2, a CSRC list and extension inside the packet, a padding count (last
/// byte, when P is set) between 1 and what follows the header, and a second byte outside 192–223: there RFC 5761
/// §4 puts RTCP packet types (marker bit set and payload type 64–95, which RTP must not use when multiplexed).
/// That is as strict as RTP allows; nothing in RTP is a magic number, so random bytes starting 0x80–0xBF can
/// still pass — decide on flows, not single packets.
public struct RTPPacket: ~Escapable {
    private enum Field {
        static let flags = 0
        static let markerAndType = 1
        static let sequenceNumber = 2
        static let timestamp = 4
        static let ssrc = 8
        static let fixedHeaderLength = 12
        static let csrcLength = 4
        static let extensionHeaderLength = 4
        static let extensionLength = 2
    }

    public static let fixedHeaderLength = Field.fixedHeaderLength
    /// Second-byte values that are RTCP packet types (RFC 5761 §4).
    public static let rtcpPacketTypes: ClosedRange<UInt8> = 192...223

    public let bytes: Span<UInt8>
    public let headerLength: Int
    public let paddingLength: Int

    /// RTCP rather than RTP, for a payload RFC 7983 calls RTP/RTCP (first byte 128–191): the second byte is an
    /// RTCP packet type, 192–223 (RFC 5761 §4).
    public static func isRTCP(_ payload: Span<UInt8>) -> Bool {
        payload.count >= 2 && rtcpPacketTypes.contains(payload.uint8(at: Field.markerAndType))
    }

    @_lifetime(copy bytes)
    public init(validating bytes: Span<UInt8>) throws(WireError) {
        guard bytes.count >= Field.fixedHeaderLength else { throw WireError(.rtp, .truncated, at: 0) }
        let flags = bytes.uint8(at: Field.flags)
        guard flags >> 6 == 2 else { throw WireError(.rtp, .badVersion, at: Field.flags) }
        guard !Self.rtcpPacketTypes.contains(bytes.uint8(at: Field.markerAndType)) else {
            throw WireError(.rtp, .badValue, at: Field.markerAndType)
        }
        var header = Field.fixedHeaderLength + Int(flags & 0x0f) * Field.csrcLength
        guard bytes.count >= header else { throw WireError(.rtp, .truncated, at: Field.fixedHeaderLength) }
        if flags & 0x10 != 0 {
            guard bytes.count - header >= Field.extensionHeaderLength else {
                throw WireError(.rtp, .truncated, at: header)
            }
            let words = Int(bytes.uint16(at: header + Field.extensionLength))
            let extensionEnd = header + Field.extensionHeaderLength + words * 4
            guard bytes.count >= extensionEnd else { throw WireError(.rtp, .truncated, at: header) }
            header = extensionEnd
        }
        var padding = 0
        if flags & 0x20 != 0 {
            guard bytes.count > header else { throw WireError(.rtp, .truncated, at: header) }
            padding = Int(bytes.uint8(at: bytes.count - 1))
            guard padding >= 1, padding <= bytes.count - header else {
                throw WireError(.rtp, .badLength, at: bytes.count - 1)
            }
        }
        self.bytes = bytes
        headerLength = header
        paddingLength = padding
    }

    public var version: UInt8 { bytes.uint8(at: Field.flags) >> 6 }
    public var padding: Bool { bytes.uint8(at: Field.flags) & 0x20 != 0 }
    public var hasExtension: Bool { bytes.uint8(at: Field.flags) & 0x10 != 0 }
    public var csrcCount: UInt8 { bytes.uint8(at: Field.flags) & 0x0f }
    public var marker: Bool { bytes.uint8(at: Field.markerAndType) & 0x80 != 0 }
    public var payloadType: UInt8 { bytes.uint8(at: Field.markerAndType) & 0x7f }
    public var sequenceNumber: UInt16 { bytes.uint16(at: Field.sequenceNumber) }
    public var timestamp: UInt32 { bytes.uint32(at: Field.timestamp) }
    public var ssrc: UInt32 { bytes.uint32(at: Field.ssrc) }
    public var payloadLength: Int { bytes.count - headerLength - paddingLength }

    public var header: RTPHeader {
        RTPHeader(
            padding: padding, hasExtension: hasExtension, csrcCount: csrcCount, marker: marker, payloadType: payloadType,
            sequenceNumber: sequenceNumber, timestamp: timestamp, ssrc: ssrc, headerLength: headerLength,
            payloadLength: payloadLength)
    }
}

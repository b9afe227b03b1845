/// What a UDP payload is, by its first byte (RFC 7983 §7, updated for QUIC by RFC 9443 §3).
public enum UDPPayloadKind: Hashable, Sendable {
    case stun, zrtp, dtls, turnChannel, quic, rtpOrRTCP, unknown
}

/// Demultiplexing of the protocols that share a UDP port in WebRTC and VoIP (STUN, ZRTP, DTLS, TURN channels,
/// SRTP/SRTCP, QUIC), as RFC 7983 §7 and RFC 9443 §3 define it:
///
/// ```
///            +----------------+
///            |        [0..3] -+--> STUN
///            |      [16..19] -+--> ZRTP
///  packet -->|      [20..63] -+--> DTLS
///            |      [64..79] -+--> TURN Channel (else QUIC short header, RFC 9443)
///            |     [80..127] -+--> QUIC short header (RFC 9443)
///            |    [128..191] -+--> RTP/RTCP
///            |    [192..255] -+--> QUIC long header (RFC 9443)
///            +----------------+
/// ```
/// Only classification, in a few byte reads and without allocation; the parsers validate. Where one read more
/// makes a false claim on random bytes much less likely, it is made: STUN needs a 20-byte header whose length
/// fits the datagram and either the magic cookie or an RFC 3489 message type; ZRTP its "ZRTP" magic; DTLS 1.0/1.2
/// records (20–25) their 0xFE version byte; a TURN channel a length that matches the datagram (up to 3 bytes of
/// padding) — otherwise 64–79 is QUIC, as RFC 9443 §3 says when no channel is bound. RFC 9443 also notes that a
/// QUIC endpoint greasing the QUIC bit (RFC 9287) can put any value in the first byte; such packets cannot be
/// told apart by this scheme and come out as whatever their first byte says.
public enum UDPDemux {
    private enum Field {
        static let stunLength = 2
        static let stunCookie = 4
        static let stunHeaderLength = 20
        static let zrtpMagic = 4
        static let zrtpMinimumLength = 12
        static let dtlsVersion = 1
        static let dtlsRecordHeaderLength = 13
        static let channelLength = 2
        static let channelHeaderLength = 4
        static let rtcpMinimumLength = 8
        static let quicLongHeaderMinimumLength = 7
    }

    /// "ZRTP" (RFC 6189 §5).
    static let zrtpMagicCookie: UInt32 = 0x5a52_5450

    public static func classify(_ payload: Span<UInt8>) -> UDPPayloadKind {
        guard payload.count >= 1 else { return .unknown }
        let first = payload.uint8(at: 0)
        switch first {
        case 0...3:
            guard payload.count >= Field.stunHeaderLength else { return .unknown }
            let length = Int(payload.uint16(at: Field.stunLength))
            guard length % 4 == 0, length == payload.count - Field.stunHeaderLength else { return .unknown }
            if payload.uint32(at: Field.stunCookie) == STUNMessage.magicCookie { return .stun }
            return STUNMessage.classicMessageTypes.contains(payload.uint16(at: 0)) ? .stun : .unknown
        case 16...19:
            guard payload.count >= Field.zrtpMinimumLength else { return .unknown }
            return payload.uint32(at: Field.zrtpMagic) == zrtpMagicCookie ? .zrtp : .unknown
        case 20...25:
            guard payload.count >= Field.dtlsRecordHeaderLength else { return .unknown }
            // 0xfe..: DTLS 1.0/1.2; 0x0100: OpenSSL's pre-RFC 4347 DTLS 1.0 (Cisco AnyConnect).
            let major = payload.uint8(at: Field.dtlsVersion)
            let isOldOpenSSL = major == 0x01 && payload.uint8(at: Field.dtlsVersion + 1) == 0x00
            return major == 0xfe || isOldOpenSSL ? .dtls : .unknown
        case 26...63:
            // DTLS 1.3 unified header (RFC 9147 §4: 0b001CSLEE).
            return .dtls
        case 64...79:
            guard payload.count >= Field.channelHeaderLength else { return .quic }
            let length = Int(payload.uint16(at: Field.channelLength))
            let rest = payload.count - Field.channelHeaderLength
            return rest >= length && rest - length <= 3 ? .turnChannel : .quic
        case 80...127:
            return .quic
        case 128...191:
            return payload.count >= Field.rtcpMinimumLength ? .rtpOrRTCP : .unknown
        case 192...255:
            return payload.count >= Field.quicLongHeaderMinimumLength ? .quic : .unknown
        default:
            return .unknown
        }
    }
}

import Testing
@testable import WireFormat

@Suite("UDP demultiplexing (RFC 7983 §7, RFC 9443 §3)")
struct UDPDemuxTests {
    static let cases: [(String, [UInt8], UDPPayloadKind)] = [
        ("stun-rfc5769", STUNFixture.rfc5769Request, .stun),
        ("stun-classic", STUNFixture.classicBindingRequest, .stun),
        ("turn-send", STUNFixture.turnSendIndication, .stun),
        ("channel-data", STUNFixture.channelDataSTUN, .turnChannel),
        ("channel-data-padded", [0x40, 0x01, 0x00, 0x05, 1, 2, 3, 4, 5, 0, 0, 0], .turnChannel),
        // Short-header QUIC whose bytes 2–3 do not fit as a channel length: RFC 9443 says QUIC.
        ("quic-short-in-channel-range", [0x41, 0x99, 0x12, 0x34] + [UInt8](repeating: 7, count: 30), .quic),
        ("quic-short", [0x5f] + [UInt8](repeating: 7, count: 30), .quic),
        ("quic-long", [0xc3, 0x00, 0x00, 0x00, 0x01, 0x08, 1, 2, 3, 4, 5, 6, 7, 8, 0], .quic),
        ("rtp", STUNFixture.rtpAMR, .rtpOrRTCP),
        ("rtcp", STUNFixture.rtcpSRAndSDES, .rtpOrRTCP),
        // DTLS 1.2 ClientHello record header (arkime/wireshark-dtls0.pcap style): content type 22, version 0xfefd.
        ("dtls", [0x16, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10] + [UInt8](repeating: 0, count: 16), .dtls),
        ("dtls13-unified", [0x2c, 0x00, 0x01, 0x02, 0x03], .dtls),
        ("dtls-wrong-version", [0x16, 0x03, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10], .unknown),
        ("zrtp", [0x10, 0x00, 0x00, 0x01, 0x5a, 0x52, 0x54, 0x50, 0, 0, 0, 1], .zrtp),
        ("zrtp-no-magic", [0x10, 0x00, 0x00, 0x01, 0x5a, 0x52, 0x54, 0x51, 0, 0, 0, 1], .unknown),
        ("stun-length-mismatch", Array(STUNFixture.iceBindingResponse.dropLast(4)), .unknown),
        ("dns", [0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0x63, 0x6f, 0x6d, 0x00, 0x00, 0x01, 0x00, 0x01], .unknown),
        ("empty", [], .unknown),
        ("gquic-public-flags", [0x0c, 1, 2, 3, 4, 5, 6, 7, 8, 0x51, 0x30, 0x34, 0x33], .unknown),
    ]

    @Test(arguments: cases.map(\.0))
    func classify(_ name: String) throws {
        let (_, bytes, expected) = try #require(Self.cases.first { $0.0 == name })
        let kind = UDPDemux.classify(bytes.span)
        #expect(kind == expected)
    }

    /// Every first byte lands where RFC 7983 / RFC 9443 put it (with a payload long enough for every check).
    @Test func firstByteRanges() {
        for first in 0...255 {
            var bytes = [UInt8(first)] + [UInt8](repeating: 0, count: 31)
            if (0...3).contains(first) { bytes[3] = 12; bytes[4...7] = [0x21, 0x12, 0xa4, 0x42] }
            if (16...19).contains(first) { bytes[4...7] = [0x5a, 0x52, 0x54, 0x50] }
            if (20...25).contains(first) { bytes[1] = 0xfe }
            if (64...79).contains(first) { bytes[3] = 28 }
            let kind = UDPDemux.classify(bytes.span)
            let expected: UDPPayloadKind = switch first {
            case 0...3: .stun
            case 16...19: .zrtp
            case 20...63: .dtls
            case 64...79: .turnChannel
            case 80...127, 192...255: .quic
            case 128...191: .rtpOrRTCP
            default: .unknown
            }
            #expect(kind == expected, "first byte \(first)")
        }
    }

    /// Truncated payloads never trap and never claim a kind that needs more bytes than are there.
    @Test(arguments: cases.map(\.0))
    func truncatedAtEveryLength(_ name: String) throws {
        let bytes = try #require(Self.cases.first { $0.0 == name }).1
        for length in 0..<bytes.count {
            let prefix = Array(bytes[..<length])
            let kind = UDPDemux.classify(prefix.span)
            if kind == .stun { #expect(prefix.count >= 20) }
        }
    }
}

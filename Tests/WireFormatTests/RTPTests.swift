import Testing
@testable import WireFormat

@Suite("RTP and RTCP (RFC 3550, RFC 5761)")
struct RTPTests {
    @Test func rtpAccessors() throws {
        let bytes = STUNFixture.rtpAMR
        let packet = try RTPPacket(validating: bytes.span)
        let (version, marker, type, sequence, timestamp, ssrc) =
            (packet.version, packet.marker, packet.payloadType, packet.sequenceNumber, packet.timestamp, packet.ssrc)
        let (header, isRTCP) = (packet.header, RTPPacket.isRTCP(bytes.span))
        #expect(version == 2)
        #expect(marker)
        #expect(type == 102)
        #expect(sequence == 21208)
        #expect(timestamp == 0x4bca_d9ca)
        #expect(ssrc == 0x6399_bbc1)
        #expect(!isRTCP)
        #expect(header == RTPHeader(
            padding: false, hasExtension: false, csrcCount: 0, marker: true, payloadType: 102, sequenceNumber: 21208,
            timestamp: 0x4bca_d9ca, ssrc: 0x6399_bbc1, headerLength: 12, payloadLength: 32))
    }

    @Test func rtpHeaderExtensionCSRCAndPadding() throws {
        let bytes: [UInt8] = [0xb1, 0x08, 0x00, 0x01, 0, 0, 0, 2, 0, 0, 0, 3]  // V2, P, X, CC 1, PT 8
            + [0, 0, 0, 4]  // CSRC
            + [0xbe, 0xde, 0x00, 0x01, 0x10, 0xff, 0x00, 0x00]  // one-byte header extension, 1 word
            + [0xaa, 0xbb, 0x00, 0x02]  // 2 bytes of payload, 2 of padding
        let header = try RTPPacket(validating: bytes.span).header
        #expect(header.headerLength == 24)
        #expect(header.payloadLength == 2)
        #expect(header.csrcCount == 1)
        #expect(header.hasExtension && header.padding)
        var bad = bytes
        bad[bad.count - 1] = 5  // more padding than payload
        #expect(throws: WireError(.rtp, .badLength, at: 27)) { try RTPPacket(validating: bad.span) }
        bad[bad.count - 1] = 0
        #expect(throws: WireError(.rtp, .badLength, at: 27)) { try RTPPacket(validating: bad.span) }
        bad = bytes
        bad[0] = 0x71  // version 1
        #expect(throws: WireError(.rtp, .badVersion, at: 0)) { try RTPPacket(validating: bad.span) }
        bad = bytes
        bad[0] = 0x9f  // 15 CSRCs: past the end
        #expect(throws: WireError(.rtp, .truncated, at: 12)) { try RTPPacket(validating: bad.span) }
    }

    @Test func rtcpIsNotRTP() {
        let bytes = STUNFixture.rtcpSRAndSDES
        let isRTCP = RTPPacket.isRTCP(bytes.span)
        #expect(isRTCP)
        #expect(throws: WireError(.rtp, .badValue, at: 1)) { try RTPPacket(validating: bytes.span) }
    }

    @Test func rtcpCompound() throws {
        let bytes = STUNFixture.rtcpSRAndSDES
        let header = try RTCPPacket(validating: bytes.span).header
        #expect(header == RTCPHeader(packetType: 200, count: 1, ssrc: 0x5d93_1534, packetCount: 2, trailingLength: 0))
    }

    /// SRTCP: the first 8 bytes are clear, the rest does not parse and is counted as trailing.
    @Test func srtcp() throws {
        let bytes = STUNFixture.srtcpXR
        let header = try RTCPPacket(validating: bytes.span).header
        #expect(header.packetType == 207)
        #expect(header.ssrc == 0x8aa0_9df2)
        #expect(header.packetCount == 1)
        #expect(header.trailingLength == bytes.count - 20)
    }

    @Test func rtcpTruncatedAtEveryLength() {
        let bytes = STUNFixture.rtcpSRAndSDES
        for length in 0..<52 {
            let prefix = Array(bytes[..<length])
            #expect(throws: WireError.self, "cut at \(length)") { try RTCPPacket(validating: prefix.span) }
            do {
                _ = try RTCPPacket(validating: prefix.span)
            } catch {
                #expect(error.reason == .truncated, "cut at \(length): \(error)")
            }
        }
        // Past the first packet, a cut second packet is trailing bytes.
        for length in 52..<bytes.count {
            let prefix = Array(bytes[..<length])
            let header = try? RTCPPacket(validating: prefix.span).header
            #expect(header?.packetCount == 1)
            #expect(header?.trailingLength == length - 52)
        }
    }

    /// RTP has no length field: a cut header is truncated, a cut payload is a shorter payload.
    @Test func rtpTruncatedAtEveryLength() {
        let bytes = STUNFixture.rtpAMR
        for length in 0..<bytes.count {
            let prefix = Array(bytes[..<length])
            do {
                let header = try RTPPacket(validating: prefix.span).header
                #expect(length >= 12)
                #expect(header.payloadLength == length - 12)
                #expect(header.sequenceNumber == 21208)
            } catch {
                #expect(length < 12)
                #expect(error.reason == .truncated)
            }
        }
    }

    @Test func decodingTwiceGivesTheSameResult() throws {
        let bytes = STUNFixture.rtpAMR
        let first = try RTPPacket(validating: bytes.span).header
        let second = try RTPPacket(validating: bytes.span).header
        #expect(first == second)
    }
}

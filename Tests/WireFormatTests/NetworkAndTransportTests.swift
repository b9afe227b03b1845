import Testing
@testable import WireFormat

@Suite("IPv4, IPv6, TCP, UDP, ICMP")
struct NetworkAndTransportTests {
    @Test func ipv4Accessors() throws {
        let bytes = Fixture.ipv4TCPSyn
        let packet = try IPv4Packet(validating: bytes.span)
        let (headerLength, totalLength, ttl, identification) =
            (packet.headerLength, packet.totalLength, packet.timeToLive, packet.identification)
        let (dontFragment, isFragment, proto, source, checksumValid) =
            (packet.dontFragment, packet.isFragment, packet.protocolNumber, packet.source, packet.headerChecksumIsValid)
        #expect(headerLength == 20)
        #expect(totalLength == 60)
        #expect(ttl == 64)
        #expect(identification == 0xfd16)
        #expect(dontFragment)
        #expect(!isFragment)
        #expect(proto == .tcp)
        #expect(source.description == "127.0.0.1")
        #expect(checksumValid)
    }

    @Test func tcpSynSummary() {
        let summary = dissect(Fixture.ethernetIPv4TCPSyn)
        var options = TCPOptions()
        options.maximumSegmentSize = 65495
        options.sackPermitted = true
        options.timestampValue = 0x7dc9_9b65
        options.timestampEcho = 0
        options.windowScale = 10
        #expect(summary.outcome == .ok)
        #expect(summary.anomalies == [])
        #expect(summary.tcp == TCPHeader(
            sourcePort: 40798, destinationPort: 8443, sequenceNumber: 0x94b2_0e80, acknowledgmentNumber: 0,
            flags: .syn, window: 65495, urgentPointer: 0, headerLength: 40, options: options))
        #expect(summary.payload.length == 0)
        #expect(summary.protocolName == "tcp")
    }

    @Test func tcpRstFromKernel() {
        let summary = dissect(Fixture.ethernetIPv4TCPRst)
        #expect(summary.tcp?.flags == [.rst, .ack])
        #expect(summary.tcp?.flags.letters == "R.")
        #expect(summary.tcp?.acknowledgmentNumber == 0x78b5_dfd9)
        #expect(summary.network?.identification == 0)
    }

    @Test func udpPayload() {
        let dissector = Dissector()
        let frame = Fixture.ethernetIPv4UDP
        let summary = dissect(frame, using: dissector)
        #expect(summary.udp == UDPHeader(sourcePort: 40001, destinationPort: 40000, length: 31))
        #expect(summary.payload.length == 23)
        #expect(payloadBytes(summary, frame: frame, dissector: dissector) == Array("blockscope-udp-probe-1 ".utf8))
    }

    @Test func ipv6WithHopByHop() throws {
        let bytes = Fixture.ipv6HopByHopUDP
        let packet = try IPv6Packet(validating: bytes.span)
        let chain = try packet.extensionChain()
        let (headerLength, proto) = (chain.headerLength, chain.transportProtocol)
        let (flowLabel, hopLimit, source) = (packet.flowLabel, packet.hopLimit, packet.source)
        #expect(headerLength == 48)
        #expect(proto == .udp)
        #expect(flowLabel == 0x12345)
        #expect(hopLimit == 64)
        #expect(source.description == "2001:db8::1")
        let summary = dissect(Fixture.ipv6HopByHopUDP, linkType: .raw)
        #expect(summary.network?.version == 6)
        #expect(summary.udp?.destinationPort == 3478)
        #expect(summary.payload.length == 4)
    }

    @Test func ipv6OptionRunningPastItsHeaderIsMalformedButKeepsTheAddresses() {
        // zeek/ipv6-mobility-dst-opts.pcap frame 1: an option of length 144 inside a 24-byte header.
        var bytes = Array(Fixture.ipv6HopByHopUDP[0..<40])
        bytes[6] = 60
        bytes += [17, 0, 0xca, 0x90, 0, 0, 0, 0] + Fixture.udpDatagram(payloadLength: 4)
        bytes[5] = UInt8(bytes.count - 40)
        let summary = dissect(bytes, linkType: .raw)
        #expect(summary.outcome == .malformed(WireError(.ipv6Extension, .badLength, at: 42)))
        #expect(summary.network?.source.description == "2001:db8::1")
        #expect(summary.transport == .none)
    }

    @Test func ipv4BadOptionIsMalformed() {
        var bytes = Fixture.ipv4TCPSyn
        bytes[0] = 0x46  // IHL 24: one 4-byte option word
        bytes.insert(contentsOf: [0x82, 0x0b, 0x00, 0x00], at: 20)  // security option claiming 11 bytes
        bytes[3] = UInt8(bytes.count)
        let summary = dissect(bytes, linkType: .raw)
        #expect(summary.outcome == .malformed(WireError(.ipv4, .badLength, at: 20)))
        #expect(summary.network?.destination.description == "127.0.0.1")
        bytes[21] = 0x04  // a well-formed 4-byte option
        #expect(dissect(bytes, linkType: .raw).tcp?.destinationPort == 8443)
    }

    @Test func udpLengthZeroOnlyInJumbograms() {
        var bytes = Fixture.ipv6HopByHopUDP
        bytes[48 + 4] = 0
        bytes[48 + 5] = 0
        #expect(dissect(bytes, linkType: .raw).outcome == .malformed(WireError(.udp, .badLength, at: 52)))
        bytes[4] = 0  // IPv6 payload length 0: jumbogram (RFC 2675)
        bytes[5] = 0
        let jumbo = dissect(bytes, linkType: .raw)
        #expect(jumbo.anomalies.contains(.ipv6PayloadLengthZero))
        #expect(jumbo.udp?.destinationPort == 3478)
        #expect(jumbo.payload.length == 4)
    }

    @Test func tcpOptionsCutBySnaplenStillGiveTheHeader() {
        let cut = Array(Fixture.ethernetIPv4TCPSyn[0..<68])  // tcpdump -s 68
        let summary = dissect(cut, wireLength: Fixture.ethernetIPv4TCPSyn.count)
        #expect(summary.outcome == .ok)
        #expect(summary.tcp?.flags == .syn)
        #expect(summary.tcp?.options.maximumSegmentSize == 65495)
        #expect(summary.tcp?.options.windowScale == nil)
        #expect(!summary.anomalies.contains(.tcpBadOption))
        // The same bytes as a complete frame: the data offset lies.
        #expect(dissect(cut).outcome == .malformed(WireError(.tcp, .truncated, at: 54)))
    }

    @Test func ipv6ExtensionChainIsBounded() {
        // 9 destination-options headers: one more than the limit.
        var bytes = Array(Fixture.ipv6HopByHopUDP[0..<40])
        bytes[6] = 60
        for index in 0..<9 { bytes += [index == 8 ? 17 : 60, 0, 1, 4, 0, 0, 0, 0] }
        bytes += Fixture.udpDatagram(payloadLength: 0)
        let length = bytes.count - 40
        bytes[4] = UInt8(length >> 8)
        bytes[5] = UInt8(length & 0xff)
        #expect(dissect(bytes, linkType: .raw).outcome == .malformed(WireError(.ipv6Extension, .tooManyHeaders, at: 104)))
    }

    @Test func impossibleLengths() {
        var bytes = Fixture.ipv4TCPSyn
        bytes[0] = 0x44  // IHL 4 words
        #expect(dissect(bytes, linkType: .raw).outcome == .malformed(WireError(.ipv4, .badHeaderLength, at: 0)))
        bytes[0] = 0x4f  // IHL 60 bytes > 60-byte packet? equal: header would swallow TCP; total length 60 ok
        bytes[3] = 0x30  // total length 48 < IHL 60
        #expect(dissect(bytes, linkType: .raw).outcome == .malformed(WireError(.ipv4, .badLength, at: 2)))
        bytes = Fixture.ipv4TCPSyn
        bytes[0] = 0x55
        #expect(dissect(bytes, linkType: .ipv4).outcome == .malformed(WireError(.ipv4, .badVersion, at: 0)))
        bytes = Fixture.ipv4TCPSyn
        bytes[20 + 12] = 0x40  // TCP data offset 16 bytes
        #expect(dissect(bytes, linkType: .raw).outcome == .malformed(WireError(.tcp, .badHeaderLength, at: 32)))
        bytes[20 + 12] = 0xf0  // data offset 60 > 40 bytes present
        #expect(dissect(bytes, linkType: .raw).outcome == .malformed(WireError(.tcp, .truncated, at: 40)))
        var udp = Fixture.ethernetIPv4UDP
        udp[14 + 20 + 5] = 7  // UDP length 7 < 8
        #expect(dissect(udp).outcome == .malformed(WireError(.udp, .badLength, at: 38)))
    }

    @Test func lyingLengthsAreAnomaliesNotCrashes() {
        var bytes = Fixture.ipv4TCPSyn
        bytes[2] = 0x10  // total length 4096, frame holds 60 and was not cut by snaplen
        bytes[3] = 0x00
        let summary = dissect(bytes, linkType: .raw)
        // The frame wins over a length field that claims more than was on the wire (as tshark does).
        #expect(summary.anomalies.contains(.ipLengthExceedsFrame))
        #expect(summary.network?.totalLength == 60)
        #expect(summary.payload.length == 0)
        let cut = dissect(bytes, linkType: .raw, wireLength: 4096)
        #expect(cut.anomalies.contains(.snaplenTruncated))
        #expect(!cut.anomalies.contains(.ipLengthExceedsFrame))
        #expect(cut.payload.length == 4096 - 60)
        #expect(cut.payload.capturedLength == 0)
        var udp = Fixture.ethernetIPv4UDP
        udp[14 + 20 + 5] = 200  // UDP says 200 bytes, IP says 31
        let mismatch = dissect(udp)
        #expect(mismatch.anomalies.contains(.udpLengthMismatch))
        #expect(mismatch.payload.length == 23)
    }

    @Test func tcpBadOptionStopsOptionWalk() {
        var bytes = Fixture.ipv4TCPSyn
        bytes[20 + 21] = 0x09  // MSS option claims 9 bytes
        let summary = dissect(bytes, linkType: .raw)
        #expect(summary.anomalies.contains(.tcpBadOption))
        #expect(summary.tcp?.options.maximumSegmentSize == nil)
        #expect(summary.tcp?.sequenceNumber == 0x94b2_0e80)
    }

    @Test func unknownIPProtocolIsKept() {
        var bytes = Fixture.ipv4TCPSyn
        bytes[9] = 253
        let summary = dissect(bytes, linkType: .raw)
        #expect(summary.transport == .other(IPProtocol(rawValue: 253)))
        #expect(summary.protocolName == "ip-proto-253")
        bytes[9] = 47
        #expect(dissect(bytes, linkType: .raw).tunnel == .gre)
    }

    @Test func icmpPortUnreachableQuotesTheFlow() {
        // ICMP type 3 code 3 from 198.51.100.7 quoting the UDP datagram of `udpDatagram`.
        let quoted = Fixture.ipv4Fragments(payload: Fixture.udpDatagram(payloadLength: 4), identification: 9, sizes: [12])[0]
        let icmp: [UInt8] = [3, 3, 0, 0, 0, 0, 0, 0] + quoted
        let total = 20 + icmp.count
        let outer: [UInt8] = [0x45, 0, UInt8(total >> 8), UInt8(total & 0xff), 0, 1, 0, 0, 250, 1, 0, 0,
                              198, 51, 100, 7, 192, 0, 2, 1] + icmp
        let summary = dissect(outer, linkType: .raw)
        let info = summary.icmp
        #expect(info?.type == 3 && info?.code == 3 && info?.isError == true)
        #expect(info?.quoted?.network.source.description == "192.0.2.1")
        #expect(info?.quoted?.network.destination.description == "198.51.100.7")
        #expect(info?.quoted?.sourcePort == 5000)
        #expect(info?.quoted?.destinationPort == 3478)
        #expect(!summary.anomalies.contains(.icmpQuoteTruncated))
        // Cut the quote to the IP header alone: still parsed, flagged.
        let short = Array(outer[0..<(20 + 8 + 20)])
        let cut = dissect(short, linkType: .raw, wireLength: outer.count)
        #expect(cut.icmp?.quoted?.sourcePort == nil)
        #expect(cut.anomalies.contains(.icmpQuoteTruncated))
    }

    @Test func decodingTwiceGivesTheSameSummary() {
        let dissector = Dissector()
        for frame in [Fixture.ethernetIPv4TCPSyn, Fixture.ethernetIPv4UDP, Fixture.qinqTCPSyn] {
            #expect(dissect(frame, using: dissector) == dissect(frame, using: dissector))
        }
    }
}

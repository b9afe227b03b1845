import Testing
@testable import WireFormat

@Suite("Link layers")
struct LinkLayerTests {
    @Test func ethernetFields() throws {
        let bytes = Fixture.ethernetIPv4TCPSyn
        let frame = try EthernetFrame(validating: bytes.span)
        let type = frame.etherType
        #expect(type == .ipv4)
        #expect(dissect(bytes).vlanCount == 0)
    }

    @Test func qinqTwoTags() throws {
        let bytes = Fixture.qinqTCPSyn
        let tagBytes = Array(bytes[14...])
        let tag = try VLANTag(validating: tagBytes.span)
        let (identifier, next) = (tag.identifier, tag.nextType)
        #expect(identifier == 100)
        #expect(next == .vlan)
        let summary = dissect(bytes)
        #expect(summary.vlanCount == 2)
        #expect(summary.outcome == .ok)
        #expect(summary.outerVLAN == 100 && summary.innerVLAN == 200)
        #expect(summary.tcp?.destinationPort == 8443)
    }

    @Test func threeTagsAreRefused() {
        let bytes = Array(repeating: UInt8(0), count: 12) + [0x88, 0xa8, 0, 1, 0x81, 0x00, 0, 2, 0x81, 0x00, 0, 3, 0x08, 0x00]
            + Fixture.ipv4TCPSyn
        #expect(dissect(bytes).outcome == .malformed(WireError(.vlan, .tooManyHeaders, at: 20)))
    }

    @Test(arguments: [LinkType.linuxSLL, .linuxSLL2])
    func linuxCooked(_ type: LinkType) {
        let bytes = type == .linuxSLL ? Fixture.sllTCPSyn : Fixture.sll2TCPSyn
        let summary = dissect(bytes, linkType: type)
        #expect(summary.outcome == .ok)
        #expect(summary.etherType == .ipv4)
        #expect(summary.tcp?.sourcePort == 40798)
    }

    @Test func nullLoopbackBothByteOrders() {
        let littleEndian = dissect([2, 0, 0, 0] + Fixture.ipv4TCPSyn, linkType: .null)
        let bigEndian = dissect([0, 0, 0, 2] + Fixture.ipv4TCPSyn, linkType: .null)
        let darwinIPv6 = dissect([30, 0, 0, 0] + Fixture.ipv6HopByHopUDP, linkType: .null)
        #expect(littleEndian.tcp?.destinationPort == 8443)
        #expect(bigEndian.tcp?.destinationPort == 8443)
        #expect(darwinIPv6.udp?.destinationPort == 3478)
        let loop = dissect([0, 0, 0, 24] + Fixture.ipv6HopByHopUDP, linkType: .loop)
        #expect(loop.udp?.destinationPort == 3478)
    }

    @Test(arguments: [LinkType.raw, .dltRaw, .ipv4])
    func rawIPv4(_ type: LinkType) {
        #expect(dissect(Fixture.ipv4TCPSyn, linkType: type).tcp?.sourcePort == 40798)
    }

    @Test func rawIPv6() {
        #expect(dissect(Fixture.ipv6HopByHopUDP, linkType: .raw).udp?.destinationPort == 3478)
        #expect(dissect(Fixture.ipv6HopByHopUDP, linkType: .ipv6).udp?.destinationPort == 3478)
    }

    @Test func pppWithAndWithoutHDLCFraming() {
        #expect(dissect([0xff, 0x03, 0x00, 0x21] + Fixture.ipv4TCPSyn, linkType: .pppHDLC).tcp != nil)
        #expect(dissect([0x00, 0x21] + Fixture.ipv4TCPSyn, linkType: .ppp).tcp != nil)
        #expect(dissect([0x00, 0x57] + Fixture.ipv6HopByHopUDP, linkType: .ppp).udp != nil)
    }

    @Test func pppoeAndMPLS() {
        #expect(dissect(Fixture.pppoeTCPSyn).tcp?.destinationPort == 8443)
        #expect(dissect(Fixture.mplsTCPSyn).tcp?.destinationPort == 8443)
    }

    @Test func unknownValuesArePreserved() {
        var arp = Fixture.ethernetIPv4TCPSyn
        arp[12] = 0x08
        arp[13] = 0x06
        #expect(dissect(arp).outcome == .skipped(.notIP(.arp)))
        arp[12] = 0x12
        arp[13] = 0x34
        let summary = dissect(arp)
        #expect(summary.outcome == .skipped(.notIP(EtherType(rawValue: 0x1234))))
        #expect(EtherType(rawValue: 0x1234).name == "ethertype-0x1234")
        #expect(dissect(Fixture.ipv4TCPSyn, linkType: LinkType(rawValue: 147)).outcome
            == .skipped(.unsupportedLinkType(LinkType(rawValue: 147))))
        #expect(dissect([7, 0, 0, 0] + Fixture.ipv4TCPSyn, linkType: .null).outcome == .skipped(.unknownLinkProtocol(7)))
        #expect(LinkType(rawValue: 147).name == "linktype-147")
    }

    @Test func vlanInsideLinuxCooked() {
        // tripwire/test2_smtp.pcap: SLL whose protocol is 0x8100, then a tag for VLAN 100, then IPv4.
        let bytes = Array(Fixture.sllTCPSyn[0..<14]) + [0x81, 0x00, 0x00, 0x64, 0x08, 0x00] + Fixture.ipv4TCPSyn
        let summary = dissect(bytes, linkType: .linuxSLL)
        #expect(summary.outerVLAN == 100)
        #expect(summary.tcp?.destinationPort == 8443)
    }

    @Test func netlinkIsSkipped() {
        var bytes = Fixture.sllTCPSyn
        bytes[2] = 0x03
        bytes[3] = 0x38  // ARPHRD_NETLINK 824
        #expect(dissect(bytes, linkType: .linuxSLL).outcome == .skipped(.unknownLinkProtocol(824)))
    }
}

import Testing
@testable import WireFormat

@Suite("IP fragment reassembly")
struct FragmentReassemblyTests {
    static let datagram = Fixture.udpDatagram(payloadLength: 1392)  // 1400 bytes of UDP

    func run(_ fragments: [[UInt8]], order: [Int], dissector: Dissector = Dissector(), step: Int64 = 1_000_000)
        -> [PacketSummary]
    {
        order.enumerated().map { index, fragment in
            dissect(fragments[fragment], linkType: .raw, nanoseconds: 1_000_000_000 + Int64(index) * step, using: dissector)
        }
    }

    @Test(arguments: [[0, 1, 2], [2, 1, 0], [1, 2, 0], [2, 0, 1]])
    func udpOverThreeFragmentsInAnyOrder(_ order: [Int]) {
        let fragments = Fixture.ipv4Fragments(payload: Self.datagram, identification: 0x4242, sizes: [480, 480, 440])
        let dissector = Dissector()
        let summaries = run(fragments, order: order, dissector: dissector)
        // Every packet but the last is held (or, for the first fragment, shows the UDP header only).
        for (position, summary) in summaries.dropLast().enumerated() {
            #expect(!summary.anomalies.contains(.reassembled))
            if order[position] == 0 {
                #expect(summary.udp?.destinationPort == 3478)
                #expect(summary.payload.capturedLength == 472)
            } else {
                #expect(summary.transport == .fragment)
            }
        }
        let last = summaries[summaries.count - 1]
        #expect(last.anomalies.contains(.reassembled))
        #expect(last.udp == UDPHeader(sourcePort: 5000, destinationPort: 3478, length: 1400))
        #expect(last.payload.inReassembledDatagram)
        #expect(last.payload.length == 1392)
        let frame = fragments[order[order.count - 1]]
        #expect(payloadBytes(last, frame: frame, dissector: dissector) == Array(Self.datagram[8...]))
        #expect(dissector.reassembler.reassembledCount == 1)
        #expect(dissector.reassembler.pendingCount == 0)
    }

    @Test func duplicateFragmentIsAnOverlapButConsistent() {
        let fragments = Fixture.ipv4Fragments(payload: Self.datagram, identification: 7, sizes: [480, 480, 440])
        let summaries = run(fragments, order: [0, 1, 1, 2])
        #expect(summaries[2].anomalies.contains(.fragmentOverlap))
        #expect(!summaries[2].anomalies.contains(.fragmentOverlapInconsistent))
        #expect(summaries[3].anomalies.contains(.reassembled))
    }

    @Test func inconsistentOverlapKeepsTheFirstBytes() {
        var fragments = Fixture.ipv4Fragments(payload: Self.datagram, identification: 8, sizes: [480, 480, 440])
        var forged = fragments[1]
        forged[40] ^= 0xff
        fragments.append(forged)
        let dissector = Dissector()
        let summaries = run(fragments, order: [0, 1, 3, 2], dissector: dissector)
        #expect(summaries[2].anomalies.contains(.fragmentOverlapInconsistent))
        #expect(summaries[3].anomalies.contains(.reassembled))
        #expect(payloadBytes(summaries[3], frame: fragments[2], dissector: dissector) == Array(Self.datagram[8...]))
    }

    @Test func incompleteDatagramExpiresByPacketTime() {
        let fragments = Fixture.ipv4Fragments(payload: Self.datagram, identification: 9, sizes: [480, 480, 440])
        let dissector = Dissector()
        _ = run([fragments[0], fragments[1]], order: [0, 1], dissector: dissector)
        #expect(dissector.reassembler.pendingCount == 1)
        // 31 s later (packet time), an unrelated packet's fragment triggers expiry.
        let other = Fixture.ipv4Fragments(payload: Self.datagram, identification: 10, sizes: [480, 480, 440])
        _ = dissect(other[0], linkType: .raw, nanoseconds: 32_000_000_000, using: dissector)
        #expect(dissector.reassembler.expiredCount == 1)
        // The late last fragment of the expired datagram does not complete it.
        let late = dissect(fragments[2], linkType: .raw, nanoseconds: 32_100_000_000, using: dissector)
        #expect(!late.anomalies.contains(.reassembled))
    }

    @Test func tableIsBoundedAndEvictsTheOldest() {
        let dissector = Dissector(reassemblyLimits: .init(maximumDatagrams: 4, maximumBytes: 1 << 20))
        for identification in 0..<10 {
            let first = Fixture.ipv4Fragments(payload: Self.datagram, identification: UInt16(identification), sizes: [480, 920])[0]
            _ = dissect(first, linkType: .raw, nanoseconds: 1_000_000_000 + Int64(identification), using: dissector)
        }
        #expect(dissector.reassembler.pendingCount == 4)
        #expect(dissector.reassembler.evictedCount == 6)
    }

    @Test func fragmentBeyond64KiBIsRefused() {
        var fragment = Fixture.ipv4Fragments(payload: Self.datagram, identification: 11, sizes: [480, 920])[1]
        fragment[6] = 0x3f  // MF, offset 0x1fff * 8 = 65528
        fragment[7] = 0xff
        let summary = dissect(fragment, linkType: .raw)
        #expect(summary.anomalies.contains(.fragmentBadLength))
        #expect(summary.transport == .fragment)
    }

    @Test func ipv6FragmentsReassemble() {
        // IPv6 2001:db8::1 → 2001:db8::2 carrying the 1400-byte UDP datagram in two fragments.
        func fragment(offset: Int, more: Bool, data: ArraySlice<UInt8>) -> [UInt8] {
            let payloadLength = 8 + data.count
            let field = UInt16(offset / 8) << 3 | (more ? 1 : 0)
            return [0x60, 0, 0, 0, UInt8(payloadLength >> 8), UInt8(payloadLength & 0xff), 44, 64]
                + Array(Fixture.ipv6HopByHopUDP[8..<40])
                + [17, 0, UInt8(field >> 8), UInt8(field & 0xff), 0xca, 0xfe, 0xba, 0xbe]
                + Array(data)
        }
        let first = fragment(offset: 0, more: true, data: Self.datagram[0..<704])
        let second = fragment(offset: 704, more: false, data: Self.datagram[704...])
        let dissector = Dissector()
        let a = dissect(first, linkType: .raw, using: dissector)
        #expect(a.udp?.destinationPort == 3478)
        #expect(a.network?.fragment?.isFirst == true)
        #expect(a.network?.identification == 0xcafe_babe)
        let b = dissect(second, linkType: .raw, using: dissector)
        #expect(b.anomalies.contains(.reassembled))
        #expect(b.udp?.length == 1400)
        #expect(payloadBytes(b, frame: second, dissector: dissector) == Array(Self.datagram[8...]))
    }
}

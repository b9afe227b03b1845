import Testing
@testable import WireFormat

/// Every fixture cut at every length: the dissector must answer (malformed, or ok with a snaplen anomaly),
/// never trap, and never expose payload bytes beyond the cut.
@Suite("Truncation at every length")
struct TruncationTests {
    static let frames: [(String, [UInt8], LinkType)] = [
        ("ethernet-ipv4-tcp", Fixture.ethernetIPv4TCPSyn, .ethernet),
        ("ethernet-ipv4-udp", Fixture.ethernetIPv4UDP, .ethernet),
        ("qinq-ipv4-tcp", Fixture.qinqTCPSyn, .ethernet),
        ("sll-ipv4-tcp", Fixture.sllTCPSyn, .linuxSLL),
        ("sll2-ipv4-tcp", Fixture.sll2TCPSyn, .linuxSLL2),
        ("raw-ipv6-hbh-udp", Fixture.ipv6HopByHopUDP, .raw),
        ("null-ipv4-tcp", [2, 0, 0, 0] + Fixture.ipv4TCPSyn, .null),
        ("pppoe-ipv4-tcp", Fixture.pppoeTCPSyn, .ethernet),
        ("mpls-ipv4-tcp", Fixture.mplsTCPSyn, .ethernet),
        ("ppp-hdlc-ipv4-tcp", [0xff, 0x03, 0x00, 0x21] + Fixture.ipv4TCPSyn, .pppHDLC),
    ]

    static func withoutTCPOptions(_ transport: PacketSummary.Transport) -> PacketSummary.Transport {
        guard case .tcp(var header) = transport else { return transport }
        header.options = TCPOptions()
        return .tcp(header)
    }

    @Test(arguments: frames.map(\.0))
    func everyPrefix(_ name: String) throws {
        let (_, frame, linkType) = try #require(Self.frames.first { $0.0 == name })
        let full = dissect(frame, linkType: linkType)
        #expect(full.outcome == .ok)
        let dissector = Dissector()
        for length in 0..<frame.count {
            let prefix = Array(frame[0..<length])
            let summary = dissect(prefix, linkType: linkType, wireLength: frame.count, using: dissector)
            switch summary.outcome {
            case .malformed(let error):
                #expect(error.reason == .truncated, "\(name) cut at \(length): \(error)")
                #expect(error.offset <= length, "\(name) cut at \(length): \(error)")
            case .ok:
                // Headers whole, payload partial: the same headers as the full frame.
                #expect(summary.anomalies.contains(.snaplenTruncated))
                #expect(summary.network == full.network)
                // TCP options cut by snaplen are read as far as they go; every other field is whole.
                #expect(Self.withoutTCPOptions(summary.transport) == Self.withoutTCPOptions(full.transport))
                if let tcp = summary.tcp, let fullTCP = full.tcp, tcp.options != fullTCP.options {
                    #expect(length < frame.count, "\(name) cut at \(length): options differ")
                }
                #expect(summary.payload.length == full.payload.length)
                #expect(summary.payload.capturedLength < full.payload.capturedLength || full.payload.length == 0)
                let payload = payloadBytes(summary, frame: prefix, dissector: dissector)
                #expect(payload.count == summary.payload.capturedLength)
            case .skipped(let reason):
                Issue.record("\(name) cut at \(length) skipped: \(reason)")
            }
        }
    }
}

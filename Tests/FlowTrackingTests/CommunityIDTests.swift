import FlowTracking
import Testing
import WireFormat

/// Community ID v1 against the published vectors (Zeek's btest `community_id_v1` and the spec's examples).
@Suite("Community ID v1")
struct CommunityIDTests {
    static func endpoint(_ address: String, _ port: UInt16) -> Endpoint {
        Endpoint(address: IPAddress(address) ?? .unspecifiedIPv4, port: port)
    }

    @Test(arguments: [
        (IPProtocol.tcp, "1.2.3.4", UInt16(1122), "5.6.7.8", UInt16(3344), UInt16(0), "1:wCb3OG7yAFWelaUydu0D+125CLM="),
        (.udp, "1.2.3.4", 1122, "5.6.7.8", 3344, 0, "1:0Mu9InQx6z4ZiCZM/7HXi2WMhOg="),
        (.icmp, "1.2.3.4", 8, "5.6.7.8", 0, 0, "1:crodRHL2FEsHjbv3UkRrfbs4bZ0="),
        (.icmpv6, "fe80:1:203:405:607:809:a0b:c0d", 128, "fe80:1011:1213:1415:1617:1819:1a1b:1c1d", 129, 0,
         "1:0bf7hyMJUwt3fMED7z8LIfRpBeo="),
        (.tcp, "1.2.3.4", 1122, "5.6.7.8", 3344, 1, "1:HhA1B+6CoLbiKPEs5nhNYN4XWfk="),
        (.udp, "1.2.3.4", 1122, "5.6.7.8", 3344, 1, "1:OShq+iKDAMVouh/4bMxB9Sz4amw="),
        (.icmp, "1.2.3.4", 8, "5.6.7.8", 0, 1, "1:9pr4ZGTICiuZoIh90RRYE2RyXpU="),
        (.icmpv6, "fe80:1:203:405:607:809:a0b:c0d", 128, "fe80:1011:1213:1415:1617:1819:1a1b:1c1d", 129, 1,
         "1:IO27GQzPuCtNnwFvjWALMHu5tJE="),
        (IPProtocol(rawValue: 46), "1.2.3.4", 0, "5.6.7.8", 0, 0, "1:ikv3kmf89luf73WPz1jOs49S768="),
    ])
    func publishedVectors(_ proto: IPProtocol, _ a: String, _ ap: UInt16, _ b: String, _ bp: UInt16, _ seed: UInt16,
                          _ expected: String) {
        let source = Self.endpoint(a, ap)
        let destination = Self.endpoint(b, bp)
        #expect(CommunityID.v1(proto: proto, source: source, destination: destination, seed: seed) == expected)
        // Either direction gives the same ID.
        #expect(CommunityID.v1(proto: proto, source: destination, destination: source, seed: seed) == expected)
    }

    @Test func echoRequestAndReplyAreOneFlowWithTheSpecsID() throws {
        var request = PacketSummary()
        request.timestamp = Timestamp(seconds: 1, nanoseconds: 0)
        request.network = NetworkHeader(
            version: 4, source: IPAddress("1.2.3.4")!, destination: IPAddress("5.6.7.8")!, timeToLive: 64,
            identification: 0, transportProtocol: .icmp, trafficClass: 0, flowLabel: 0, headerLength: 20,
            totalLength: 28, dontFragment: false, fragment: nil)
        request.transport = .icmp(ICMPInfo(version: 4, type: 8, code: 0, restOfHeader: 0x0001_0001, quoted: nil))
        var reply = request
        reply.network?.source = IPAddress("5.6.7.8")!
        reply.network?.destination = IPAddress("1.2.3.4")!
        reply.transport = .icmp(ICMPInfo(version: 4, type: 0, code: 0, restOfHeader: 0x0001_0001, quoted: nil))
        let table = FlowTable()
        table.add(request)
        table.add(reply)
        let flows = table.drain()
        try #require(flows.count == 1)
        let flow = flows[0]
        let (sent, received) = (flow.orig.packets, flow.resp.packets)
        #expect(sent == 1)
        #expect(received == 1)
        #expect(flow.communityID == "1:crodRHL2FEsHjbv3UkRrfbs4bZ0=")
        #expect(!flow.isOneWayICMP)
    }
}

@Suite("ICMP errors attributed to flows")
struct ICMPAttributionTests {
    @Test func aPortUnreachableQuotingAFlowIsEvidenceOnThatFlow() throws {
        let table = FlowTable()
        // The client's UDP datagram to 198.51.100.7:3478 …
        table.add(packet(from: "192.0.2.1", 50000, to: "198.51.100.7", 3478, payload: 20, at: 1))
        // … answered by a router's ICMP port unreachable that quotes it.
        var error = PacketSummary()
        error.timestamp = Timestamp(seconds: 2, nanoseconds: 0)
        error.network = NetworkHeader(
            version: 4, source: IPAddress("203.0.113.254")!, destination: IPAddress("192.0.2.1")!, timeToLive: 250,
            identification: 0, transportProtocol: .icmp, trafficClass: 0, flowLabel: 0, headerLength: 20,
            totalLength: 56, dontFragment: false, fragment: nil)
        let quotedNetwork = NetworkHeader(
            version: 4, source: IPAddress("192.0.2.1")!, destination: IPAddress("198.51.100.7")!, timeToLive: 63,
            identification: 0, transportProtocol: .udp, trafficClass: 0, flowLabel: 0, headerLength: 20,
            totalLength: 48, dontFragment: false, fragment: nil)
        error.transport = .icmp(ICMPInfo(
            version: 4, type: 3, code: 3, restOfHeader: 0,
            quoted: QuotedHeader(network: quotedNetwork, sourcePort: 50000, destinationPort: 3478, tcpSequenceNumber: nil)))
        table.add(error)
        let flows = table.drain()
        let udp = try #require(flows.first { $0.key.transportProtocol == .udp })
        let errors = udp.teardown.icmpErrors
        #expect(errors.count == 1)
        #expect(errors.firstType == 3)
        #expect(errors.firstCode == 3)
        #expect(errors.firstSource == IPAddress("203.0.113.254"))
        #expect(errors.firstTimeToLive == 250)
        // The error is also its own one-way ICMP flow, as in Zeek.
        let icmp = try #require(flows.first { $0.key.transportProtocol == .icmp })
        #expect(icmp.isOneWayICMP)
    }
}

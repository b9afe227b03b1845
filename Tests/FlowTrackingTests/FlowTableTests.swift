import FlowTracking
import Testing
import WireFormat

/// Builds dissected-packet summaries directly (the dissector has its own tests).
func packet(
    from source: String, _ sourcePort: UInt16, to destination: String, _ destinationPort: UInt16,
    flags: TCPFlags? = nil, payload: Int = 0, at seconds: Int64, sequence: UInt32 = 0
) -> PacketSummary {
    var summary = PacketSummary()
    summary.timestamp = Timestamp(seconds: seconds, nanoseconds: 0)
    let src = IPAddress(source) ?? .unspecifiedIPv4
    let dst = IPAddress(destination) ?? .unspecifiedIPv4
    summary.network = NetworkHeader(
        version: src.isIPv6 ? 6 : 4, source: src, destination: dst, timeToLive: 64, identification: 0,
        transportProtocol: flags == nil ? .udp : .tcp, trafficClass: 0, flowLabel: 0, headerLength: 20,
        totalLength: 20 + 20 + payload, dontFragment: false, fragment: nil)
    if let flags {
        summary.transport = .tcp(
            TCPHeader(
                sourcePort: sourcePort, destinationPort: destinationPort, sequenceNumber: sequence, acknowledgmentNumber: 0,
                flags: flags, window: 0, urgentPointer: 0, headerLength: 20, options: TCPOptions()))
    } else {
        summary.transport = .udp(UDPHeader(sourcePort: sourcePort, destinationPort: destinationPort, length: UInt16(8 + payload)))
    }
    summary.payload.length = payload
    summary.payload.capturedLength = payload
    return summary
}

@Suite("Flow table")
struct FlowTableTests {
    @Test func bothDirectionsAreOneFlow() {
        let a = packet(from: "192.0.2.1", 50000, to: "198.51.100.7", 3478, payload: 20, at: 1)
        let b = packet(from: "198.51.100.7", 3478, to: "192.0.2.1", 50000, payload: 32, at: 2)
        #expect(FlowKey(a) == FlowKey(b))
        let table = FlowTable()
        table.add(a)
        table.add(b)
        table.add(a)
        let flows = table.drain()
        #expect(flows.count == 1)
        let flow = flows[0]
        #expect(flow.originator == Endpoint(address: IPAddress("192.0.2.1")!, port: 50000))
        // Bound first: Swift Testing's expansion of `flow.orig.packets` misreads this struct (see the closing note).
        let (orig, resp) = (flow.orig, flow.resp)
        #expect(orig.packets == 2)
        #expect(resp.packets == 1)
        #expect(orig.payloadBytes == 40)
        #expect(resp.payloadBytes == 32)
        #expect(flow.duration == 1_000_000_000)
    }

    @Test func theSynSenderIsTheOriginatorEvenWhenSeenSecond() {
        let table = FlowTable()
        // Capture started mid-handshake: the SYN-ACK arrives first.
        table.add(packet(from: "198.51.100.7", 443, to: "192.0.2.1", 50001, flags: [.syn, .ack], at: 1))
        table.add(packet(from: "192.0.2.1", 50001, to: "198.51.100.7", 443, flags: .ack, at: 2))
        let flow = table.drain()[0]
        #expect(flow.originator.port == 50001)
        #expect(flow.resp.tcpFlags == [.syn, .ack])
        // A late SYN from the side first taken as responder flips the roles.
        let other = FlowTable()
        other.add(packet(from: "198.51.100.7", 443, to: "192.0.2.1", 50002, flags: .ack, at: 1))
        other.add(packet(from: "192.0.2.1", 50002, to: "198.51.100.7", 443, flags: .syn, at: 2))
        let flipped = other.drain()[0]
        #expect(flipped.originator.port == 50002)
        #expect(flipped.orig.tcpFlags == .syn)
        #expect(flipped.resp.packets == 1)
    }

    @Test func aFullTableEvictsTheLongestIdleAndCountsThem() {
        let table = FlowTable(maximumFlows: 64)
        for index in 0..<1000 {
            table.add(packet(from: "192.0.2.1", UInt16(10000 + index), to: "203.0.113.9", 53, payload: 10, at: Int64(index)))
        }
        #expect(table.count <= 64)
        let evicted = table.takeEvicted()
        #expect(evicted.count == table.evictedCount)
        #expect(table.evictedCount + table.count == 1000)
        // The newest flows survive; evicted ones are older than every kept one.
        let kept = table.drain()
        #expect(kept.contains { $0.originator.port == 10999 })
        let newestEvicted = evicted.map(\.lastSeen).max() ?? .zero
        #expect(kept.allSatisfy { $0.lastSeen > newestEvicted })
    }

    @Test func heldFragmentsHaveNoFlow() {
        var summary = packet(from: "192.0.2.1", 1, to: "198.51.100.7", 2, payload: 100, at: 1)
        summary.transport = .fragment
        #expect(FlowKey(summary) == nil)
        summary = packet(from: "192.0.2.1", 1, to: "198.51.100.7", 2, payload: 100, at: 1)
        summary.network?.fragment = .init(offset: 0, moreFragments: true)
        #expect(FlowKey(summary) == nil)  // counted when the datagram completes
        summary.anomalies.insert(.reassembled)
        #expect(FlowKey(summary) != nil)
    }
}

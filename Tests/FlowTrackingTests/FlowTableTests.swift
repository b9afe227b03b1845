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
        var timeouts = FlowTable.Timeouts()
        timeouts.udp = 10_000_000_000_000  // no idle timeouts here: only eviction
        let table = FlowTable(maximumFlows: 64, timeouts: timeouts)
        for index in 0..<1000 {
            table.add(packet(from: "192.0.2.1", UInt16(10000 + index), to: "203.0.113.9", 53, payload: 10, at: Int64(index)))
        }
        #expect(table.count <= 64)
        let evicted = table.takeFinished()
        #expect(evicted.count == table.evictedCount)
        #expect(evicted.allSatisfy { $0.endReason == .evicted })
        #expect(table.evictedCount + table.count == 1000)
        // The newest flows survive; evicted ones are older than every kept one.
        let kept = table.drain()
        #expect(kept.contains { $0.originator.port == 10999 })
        let newestEvicted = evicted.map { $0.lastSeen }.max() ?? .zero
        #expect(kept.allSatisfy { $0.lastSeen > newestEvicted && $0.endReason == .captureEnd })
    }

    @Test func idleFlowsEndByPacketTime() {
        let table = FlowTable()
        table.add(packet(from: "192.0.2.1", 5000, to: "203.0.113.9", 53, payload: 10, at: 0))
        table.add(packet(from: "192.0.2.1", 5001, to: "203.0.113.9", 443, flags: [.ack], payload: 10, at: 0))
        // 121 s later: the UDP flow (120 s) has timed out, the TCP one (300 s) has not.
        table.add(packet(from: "192.0.2.1", 5002, to: "203.0.113.9", 53, payload: 10, at: 121))
        let ended = table.takeFinished()
        #expect(ended.count == 1)
        #expect(ended.first?.originator.port == 5000)
        #expect(ended.first?.endReason == .idleTimeout)
        #expect(table.count == 2)
    }

    @Test func evictionTakesTheLongestIdleInTableOrderAndKeepsTheRestInPlace() {
        var timeouts = FlowTable.Timeouts()
        timeouts.udp = 10_000_000_000_000  // no idle timeouts here: only eviction
        let table = FlowTable(maximumFlows: 16, timeouts: timeouts)
        // 16 flows; then the even ones are heard from again, so the odd ones are the longest idle.
        for index in 0..<16 {
            table.add(packet(from: "192.0.2.1", UInt16(7000 + index), to: "203.0.113.9", 53, payload: 10, at: Int64(index)))
        }
        for index in stride(from: 0, to: 16, by: 2) {
            table.add(packet(from: "192.0.2.1", UInt16(7000 + index), to: "203.0.113.9", 53, payload: 10, at: Int64(100 + index)))
        }
        // The 17th flow fills the table: the longest-idle eighth (2 flows: 7001 and 7003) goes, in table order.
        table.add(packet(from: "192.0.2.1", 8000, to: "203.0.113.9", 53, payload: 10, at: 200))
        let evicted = table.takeFinished().map { Int($0.originator.port) }
        #expect(evicted == [7001, 7003])
        #expect(table.evictedCount == 2)
        let kept = table.drain().map { Int($0.originator.port) }
        #expect(kept == [7000, 7002] + (4..<16).map { 7000 + $0 } + [8000])
    }

    @Test func drainReturnsOpenFlowsInOrderOfFirstPacketAfterSweepsReorderedTheTable() {
        let table = FlowTable()
        // 40 UDP flows started a second apart; every third one is heard from only once and times out, and the
        // sweep moves the last flow into each hole, so the table's order is no longer the order of first packets.
        for index in 0..<40 {
            table.add(packet(from: "192.0.2.1", UInt16(5000 + index), to: "203.0.113.9", 53, payload: 10, at: Int64(index)))
        }
        for index in 0..<40 where index % 3 != 0 {
            table.add(packet(from: "192.0.2.1", UInt16(5000 + index), to: "203.0.113.9", 53, payload: 10, at: 100))
        }
        // At 160 s the flows last heard from before 40 s have been idle past the UDP timeout (120 s).
        table.add(packet(from: "192.0.2.1", 6000, to: "203.0.113.9", 53, payload: 10, at: 160))
        let timedOut = table.takeFinished().map { Int($0.originator.port) - 5000 }
        #expect(timedOut.sorted() == Array(stride(from: 0, to: 40, by: 3)))
        let open = table.drain()
        let ports = open.map { Int($0.originator.port) }
        let expected = (0..<40).filter { $0 % 3 != 0 }.map { 5000 + $0 } + [6000]
        #expect(ports == expected)
        #expect(open.allSatisfy { $0.endReason == .captureEnd })
        #expect(table.count == 0)
    }

    @Test func closeReasonsAndPortReuse() {
        let table = FlowTable()
        let client = ("192.0.2.1", UInt16(40000))
        let server = ("198.51.100.7", UInt16(443))
        func send(_ flags: TCPFlags, fromClient: Bool, at time: Int64) {
            let summary = fromClient
                ? packet(from: client.0, client.1, to: server.0, server.1, flags: flags, at: time)
                : packet(from: server.0, server.1, to: client.0, client.1, flags: flags, at: time)
            table.add(summary)
        }
        // 1: a connection reset by the server; 2: the same ports reused, closed by FINs; 3: reused again, left open.
        send(.syn, fromClient: true, at: 1)
        send([.syn, .ack], fromClient: false, at: 1)
        send([.rst, .ack], fromClient: false, at: 2)
        send(.syn, fromClient: true, at: 3)
        send([.syn, .ack], fromClient: false, at: 3)
        send([.fin, .ack], fromClient: true, at: 4)
        send([.fin, .ack], fromClient: false, at: 4)
        send(.syn, fromClient: true, at: 5)
        let flows = table.drain()
        let reasons = flows.map { $0.endReason }
        #expect(reasons == [.rstResponder, .fin, .captureEnd])
        #expect(flows.map { $0.orig.packets } == [1, 2, 1])
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

@Suite("Flow memory")
struct FlowMemoryTests {
    /// The fixed part of a flow (docs/FLOW-RECORD.md quotes it); buffers the probes allocate come on top, bounded.
    /// The probes' stream buffers live in a heap box, not in the flow: a flow that held them inline again (3 KB)
    /// would fail here.
    @Test func aFlowsFixedRecordStaysSmall() {
        let stride = MemoryLayout<Flow>.stride
        print("MemoryLayout<Flow>.stride = \(stride) bytes")
        #expect(stride <= 2560)
    }
}

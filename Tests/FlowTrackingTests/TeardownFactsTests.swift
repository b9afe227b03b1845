import FlowTracking
import Testing
import WireFormat

// MARK: - A scripted TCP/UDP conversation

/// Writes a client/server conversation packet by packet (synthetic, in the shapes of DESIGN.md's taxonomy) into
/// a `FlowTable`: sequence and acknowledgment numbers follow what each side sent unless given, TTLs default to
/// the lab's (client 64, server 58: six hops), IPv4 identifications count up per side.
final class Script {
    let table = FlowTable()
    let client = "192.0.2.2"
    let server = "198.51.100.2"
    let clientPort: UInt16 = 40000
    let serverPort: UInt16
    let udp: Bool
    /// Next sequence number per side. The server's starts just below 2^32 so that its data wraps around.
    var clientNext: UInt32 = 1_000
    var serverNext: UInt32 = 0xFFFF_F000
    var clientID: UInt32 = 100
    var serverID: UInt32 = 30_000

    init(udp: Bool = false, serverPort: UInt16 = 443) {
        self.udp = udp
        self.serverPort = serverPort
    }

    static func time(_ milliseconds: Double) -> Timestamp {
        Timestamp(nanoseconds: 1_700_000_000_000_000_000 + Int64((milliseconds * 1_000_000).rounded()))
    }

    /// One packet. `sequence`/`ack` override the running numbers (a retransmission or a forged segment does not
    /// advance them); `id` and `ttl` override the defaults.
    @discardableResult
    func send(
        fromClient: Bool, _ flags: TCPFlags = .ack, payload: Int = 0, at milliseconds: Double, sequence: UInt32? = nil,
        ack: UInt32? = nil, ttl: UInt8? = nil, id: UInt32? = nil, window: UInt16 = 502, windowScale: UInt8? = 7
    ) -> PacketSummary {
        var summary = PacketSummary()
        summary.timestamp = Self.time(milliseconds)
        let source = IPAddress(fromClient ? client : server) ?? .unspecifiedIPv4
        let destination = IPAddress(fromClient ? server : client) ?? .unspecifiedIPv4
        let identification: UInt32
        if let id {
            identification = id
        } else if fromClient {
            clientID += 1
            identification = clientID
        } else {
            serverID += 1
            identification = serverID
        }
        summary.network = NetworkHeader(
            version: 4, source: source, destination: destination, timeToLive: ttl ?? (fromClient ? 64 : 58),
            identification: identification, transportProtocol: udp ? .udp : .tcp, trafficClass: 0, flowLabel: 0,
            headerLength: 20, totalLength: 20 + (udp ? 8 : 20) + payload, dontFragment: true, fragment: nil)
        let (sourcePort, destinationPort) = fromClient ? (clientPort, serverPort) : (serverPort, clientPort)
        if udp {
            summary.transport = .udp(UDPHeader(sourcePort: sourcePort, destinationPort: destinationPort, length: UInt16(8 + payload)))
        } else {
            var options = TCPOptions()
            if flags.contains(.syn) { options.windowScale = windowScale }
            let seq = sequence ?? (fromClient ? clientNext : serverNext)
            let acknowledgment = ack ?? (fromClient ? serverNext : clientNext)
            summary.transport = .tcp(
                TCPHeader(
                    sourcePort: sourcePort, destinationPort: destinationPort, sequenceNumber: seq,
                    acknowledgmentNumber: flags.contains(.ack) ? acknowledgment : 0, flags: flags, window: window,
                    urgentPointer: 0, headerLength: 20, options: options))
            if sequence == nil, !flags.contains(.rst) {
                let used = UInt32(payload) &+ (flags.contains(.syn) ? 1 : 0) &+ (flags.contains(.fin) ? 1 : 0)
                if fromClient { clientNext &+= used } else { serverNext &+= used }
            }
        }
        summary.payload.length = payload
        summary.payload.capturedLength = payload
        table.add(summary)
        return summary
    }

    func fromClient(
        _ flags: TCPFlags = .ack, payload: Int = 0, at milliseconds: Double, sequence: UInt32? = nil, ttl: UInt8? = nil
    ) {
        send(fromClient: true, flags, payload: payload, at: milliseconds, sequence: sequence, ttl: ttl)
    }

    func fromServer(
        _ flags: TCPFlags = .ack, payload: Int = 0, at milliseconds: Double, sequence: UInt32? = nil,
        ack: UInt32? = nil, ttl: UInt8? = nil, id: UInt32? = nil, window: UInt16 = 502
    ) {
        send(fromClient: false, flags, payload: payload, at: milliseconds, sequence: sequence, ack: ack, ttl: ttl, id: id, window: window)
    }

    /// SYN at 0 ms, SYN-ACK at `rtt`, ACK 0.1 ms later.
    func handshake(rtt: Double = 40) {
        fromClient(.syn, at: 0)
        fromServer([.syn, .ack], at: rtt)
        fromClient(.ack, at: rtt + 0.1)
    }

    /// The one flow's teardown facts.
    func facts() throws -> TeardownFacts {
        let flows = table.drain()
        try #require(flows.count == 1)
        return flows[0].teardown
    }
}

private let millisecond: Int64 = 1_000_000
private let second: Int64 = 1_000_000_000

// MARK: - Blocking shapes and their benign twins

@Suite("Teardown facts")
struct TeardownFactsTests {
    @Test func synRetransmittedWithNoAnswer() throws {
        let script = Script()
        for time in [0.0, 1000, 3000, 7000] { script.fromClient(.syn, at: time, sequence: 1_000) }
        let facts = try script.facts()
        let (client, server) = (facts.originator, facts.responder)
        #expect(client.synCount == 4)
        #expect(facts.synRetransmissions == 3)
        #expect(client.firstSYNTime == Script.time(0))
        #expect(server.packets == 0)
        #expect(server.firstSYNACKTime == nil)
        #expect(facts.handshakeRTT == nil)
        #expect(facts.silenceAfterLastResponderPacket == nil)
        #expect(facts.originatorPacketsAfterLastResponderPacket == 4)
        #expect(client.largestGap == 4 * second)
        #expect(client.retransmittedSegments == 0)  // SYNs are counted as SYNs, not data
        #expect(client.resetCount == 0 && server.resetCount == 0)
    }

    @Test func genuineRefusalIsARSTAckingTheSYN() throws {
        let script = Script()
        script.fromClient(.syn, at: 0)
        script.fromServer([.rst, .ack], at: 0.2, sequence: 0, ttl: 58, id: 0, window: 0)
        let facts = try script.facts()
        let server = facts.responder
        #expect(server.resetCount == 1)
        let reset = try #require(server.resets.first)
        #expect(reset.kind == .rst)
        #expect(!reset.fromOriginator)
        #expect(reset.timeToLive == 58)
        #expect(reset.timeToLiveDifference == nil)  // the server said nothing before
        #expect(reset.timeToLiveOutsideEarlierRange == nil)
        #expect(reset.identificationUnlikeEarlier == nil)
        #expect(reset.acknowledgmentFits == true)  // acks exactly the SYN
        #expect(reset.sinceOtherSideLastPacket == 200_000)
        #expect(server.resetBurst == 1)
        #expect(facts.handshakeRTT == nil)
        #expect(facts.synRetransmissions == 0)
    }

    /// The lab's `sni-rst-injection` shape: the middlebox answers the ClientHello with RSTs carrying TTL 64 (its
    /// own) where the server's packets arrive with 58 — or, for an injector farther away, with a lower TTL.
    @Test(arguments: [UInt8(64), 52])
    func rstBurstInjectedRightAfterTheClientHello(injectedTTL: UInt8) throws {
        let script = Script()
        script.handshake(rtt: 40)
        script.fromClient([.psh, .ack], payload: 517, at: 41)
        let serverNext = script.serverNext
        // Three RSTs in 3 ms, sequence fitting the server's, stepped by the window, IP-ID 0.
        script.fromServer(.rst, at: 41.015, sequence: serverNext, ttl: injectedTTL, id: 0)
        script.fromServer(.rst, at: 42, sequence: serverNext &+ 1460, ttl: injectedTTL, id: 0)
        script.fromServer(.rst, at: 44, sequence: serverNext &+ 2920, ttl: injectedTTL, id: 0)
        // A later one far outside the client's window (502 << 7 bytes).
        script.fromServer(.rst, at: 80, sequence: serverNext &+ 100_000, ttl: injectedTTL, id: 0)
        let facts = try script.facts()
        let server = facts.responder
        #expect(facts.handshakeRTT == 40 * millisecond)
        #expect(facts.firstRequest?.length == 517)
        #expect(!facts.firstRequestAcknowledged)
        #expect(facts.firstResponseDelay == nil)
        #expect(facts.firstResetDelayAfterRequest == 15_000)
        #expect(server.resetCount == 4)
        #expect(server.resets.count == 4)
        #expect(server.resetBurst == 3)
        let first = try #require(server.resets.first)
        #expect(first.timeToLiveDifference == Int(injectedTTL) - 58)
        #expect(first.timeToLiveOutsideEarlierRange == true)
        #expect(first.identification == 0)
        #expect(first.identificationUnlikeEarlier == true)
        #expect(first.sequenceFits == true)  // injectors copy the expected sequence number
        #expect(first.acknowledgmentFits == nil)  // no ACK flag
        #expect(first.sinceOtherSideLastPacket == 15_000)
        #expect(server.resets[2].sequenceFits == true)
        #expect(server.resets[3].sequenceFits == false)
        // The RSTs do not move the server's TTL baseline: the fourth still compares with the SYN-ACK.
        #expect(server.resets[3].timeToLiveDifference == Int(injectedTTL) - 58)
        #expect(server.minimumTimeToLive == min(58, injectedTTL))
        #expect(server.maximumTimeToLive == max(58, injectedTTL))
        #expect(server.firstTimeToLive == 58)
    }

    /// Benign twin: a server that resets a connection itself sends its own TTL and IP-ID sequence.
    @Test func genuineResetCarriesTheServersOwnTTL() throws {
        let script = Script()
        script.handshake(rtt: 40)
        script.fromClient([.psh, .ack], payload: 517, at: 41)
        script.fromServer(.ack, at: 81)
        script.fromServer(.rst, at: 82)
        let facts = try script.facts()
        let reset = try #require(facts.responder.resets.first)
        #expect(reset.timeToLiveDifference == 0)
        #expect(reset.timeToLiveOutsideEarlierRange == false)
        #expect(reset.identificationUnlikeEarlier == false)
        #expect(reset.sequenceFits == true)
        #expect(reset.sinceOtherSideLastPacket == 41 * millisecond)
        #expect(facts.firstRequestAcknowledged)
        #expect(facts.firstResetDelayAfterRequest == 41 * millisecond)
    }

    @Test func clientHelloRetransmittedNeverAcknowledged() throws {
        let script = Script()
        script.handshake(rtt: 40)
        let hello = script.clientNext
        script.fromClient([.psh, .ack], payload: 517, at: 50)
        for time in [250.0, 650, 1450] { script.fromClient([.psh, .ack], payload: 517, at: time, sequence: hello) }
        let facts = try script.facts()
        let client = facts.originator
        let request = try #require(facts.firstRequest)
        #expect(request.sends == 4)
        #expect(request.time == Script.time(50))
        #expect(request.acknowledgedTime == nil)
        #expect(facts.firstRequestRetransmissions == 3)
        #expect(client.retransmittedSegments == 3)
        #expect(client.retransmittedBytes == 3 * 517)
        #expect(client.uniquePayloadBytes == 517)
        #expect(client.payloadBytes == 4 * 517)
        #expect(facts.originatorOutstandingBytes == 517)
        #expect(facts.longestResponderSilence == (1450 - 40) * millisecond)
        #expect(facts.originatorPacketsAfterLastResponderPacket == 5)
    }

    @Test func clientHelloAcknowledgedThenSilence() throws {
        let script = Script()
        script.handshake(rtt: 40)
        script.fromClient([.psh, .ack], payload: 517, at: 41)
        script.fromServer(.ack, at: 81)
        script.fromClient([.fin, .ack], at: 10_041)
        let facts = try script.facts()
        #expect(facts.firstRequestAcknowledged)
        #expect(facts.firstRequest?.acknowledgedTime == Script.time(81))
        #expect(facts.firstResponseDelay == nil)
        #expect(facts.responder.firstDataTime == nil)
        #expect(facts.silenceAfterLastResponderPacket == 9_960 * millisecond)
        #expect(facts.originatorOutstandingBytes == 1)  // the FIN, never acknowledged
        #expect(facts.originator.finCount == 1)
        #expect(facts.synACKToACK == 100_000)
    }

    /// The lab's `tcp-freeze-16k` shape: server data stops after 16 KiB (its sequence numbers wrap around 2^32 on
    /// the way), the client's next request is retransmitted into silence.
    @Test func serverDataFreezesAfter16KiB() throws {
        let script = Script()
        script.handshake(rtt: 40)
        script.fromClient([.psh, .ack], payload: 517, at: 41)
        var time = 81.0
        for length in Array(repeating: 1448, count: 11) + [456] {
            script.fromServer([.psh, .ack], payload: length, at: time)
            time += 1
        }
        script.fromClient(.ack, at: time)
        let request = script.clientNext
        script.fromClient([.psh, .ack], payload: 64, at: 200)
        for retry in [400.0, 800, 1600, 3200] { script.fromClient([.psh, .ack], payload: 64, at: retry, sequence: request) }
        script.fromClient([.fin, .ack], at: 15_000)
        let facts = try script.facts()
        let (client, server) = (facts.originator, facts.responder)
        #expect(facts.responderBytesBeforeStall == 16_384)
        #expect(server.uniquePayloadBytes == 16_384)
        #expect(server.retransmittedSegments == 0)
        #expect(server.outOfOrderSegments == 0)
        #expect(facts.responderOutstandingBytes == 0)
        #expect(facts.originatorOutstandingBytes == 64 + 1)  // the request and the FIN, never acknowledged
        #expect(client.retransmittedSegments == 4)
        #expect(facts.originatorPacketsAfterLastResponderPacket == 7)
        #expect(facts.silenceAfterResponderProgress == (15_000 - 92) * millisecond)
        #expect(facts.silenceAfterLastResponderPacket == (15_000 - 92) * millisecond)
        #expect(facts.longestResponderSilence == facts.silenceAfterLastResponderPacket)
        #expect(facts.firstResponseDelay == 40 * millisecond)
        #expect(client.duplicateACKs == 0)
    }

    /// Benign twin: the same start, then the whole body and a clean close.
    @Test func completedTransferHasNothingOutstanding() throws {
        let script = Script()
        script.handshake(rtt: 40)
        script.fromClient([.psh, .ack], payload: 517, at: 41)
        var time = 81.0
        for _ in 0..<140 {
            script.fromServer([.psh, .ack], payload: 1448, at: time)
            time += 0.02
        }
        script.fromClient(.ack, at: time)
        script.fromServer([.fin, .ack], at: time + 0.1)
        script.fromClient([.fin, .ack], at: time + 0.2)
        script.fromServer(.ack, at: time + 0.3)
        let facts = try script.facts()
        #expect(facts.responderBytesBeforeStall == 140 * 1448)
        #expect(facts.responderOutstandingBytes == 0)
        #expect(facts.originatorOutstandingBytes == 0)
        #expect(facts.silenceAfterLastResponderPacket == 0)
        #expect(facts.originatorPacketsAfterLastResponderPacket == 0)
        let fin = try #require(facts.responder.fins.first)
        #expect(fin.sequenceFits == true)
        #expect(fin.acknowledgmentFits == true)
        #expect(fin.timeToLiveDifference == 0)
        #expect(facts.originator.fins.first?.acknowledgmentFits == true)
        #expect(facts.responder.rate.windows == 0)  // under a second: no complete window
        let goodput = try #require(facts.responder.goodputBitsPerSecond)
        #expect(goodput > 50_000_000)
    }

    /// The lab's `sni-throttle-128k` shape: 1638 bytes every 100 ms for 10 s (16 KiB/s, ~131 kbit/s), with a
    /// policer drop and its retransmission now and then: flat 1-second windows.
    @Test func policedFlowIsFlatAt128Kbits() throws {
        let script = Script()
        script.handshake(rtt: 40)
        script.fromClient([.psh, .ack], payload: 517, at: 41)
        let start = 100.0
        for index in 0..<100 {
            let sequence = script.serverNext
            script.fromServer([.psh, .ack], payload: 1638, at: start + Double(index) * 100)
            if index % 10 == 5 {
                script.fromServer([.psh, .ack], payload: 1638, at: start + Double(index) * 100 + 30, sequence: sequence)
            }
        }
        let facts = try script.facts()
        let server = facts.responder
        #expect(server.uniquePayloadBytes == 163_800)
        #expect(server.retransmittedSegments == 10)
        #expect(server.retransmittedBytes == 16_380)
        #expect(server.rate.windows == 9)
        #expect(server.rate.meanBytesPerWindow == 16_380)
        #expect(server.rate.coefficientOfVariation == 0)
        #expect(server.rate.steadyMeanBytesPerWindow == 16_380)
        #expect(server.rate.steadyCoefficientOfVariation == 0)
        #expect(server.holeFilledBytes == 0)  // the retransmitted copies had been delivered already
        let goodput = try #require(server.goodputBitsPerSecond)
        // 163 800 unique bytes from the first data packet (100 ms) to the last (10 000 ms).
        #expect(abs(goodput - 163_800 * 8 / 9.9) < 0.001)
    }

    /// Benign twin for rates: bursty delivery (a burst every other second) is far from flat.
    @Test func burstyFlowIsNotFlat() throws {
        let script = Script()
        script.handshake(rtt: 40)
        script.fromClient([.psh, .ack], payload: 517, at: 41)
        for burst in 0..<6 {
            for index in 0..<100 {
                script.fromServer([.psh, .ack], payload: 1448, at: 100 + Double(burst) * 2000 + Double(index))
            }
        }
        let facts = try script.facts()
        let rate = facts.responder.rate
        #expect(rate.windows == 10)  // 0–10 s complete, the 11th (last burst) open
        #expect(rate.meanBytesPerWindow == 144_800.0 * 5 / 10)
        #expect(rate.coefficientOfVariation == 1)
        #expect(rate.firstWindowBytes == 144_800)
        #expect((rate.steadyCoefficientOfVariation ?? 0) > 1)
    }

    /// The lab's `call-media-cutoff` shape: media both ways, then nothing inbound while outbound goes on.
    @Test func udpMediaCutoff() throws {
        let script = Script(udp: true, serverPort: 3478)
        for index in 0..<450 {
            let time = Double(index) * 20
            script.send(fromClient: true, payload: 172, at: time)
            if time < 4000 { script.send(fromClient: false, payload: 172, at: time + 5) }
        }
        let facts = try script.facts()
        let (outbound, inbound) = (facts.originator, facts.responder)
        #expect(outbound.firstTime == Script.time(0))
        #expect(outbound.lastTime == Script.time(8980))
        #expect(inbound.firstTime == Script.time(5))
        #expect(inbound.lastTime == Script.time(3985))
        #expect(inbound.largestGap == 20 * millisecond)
        #expect(facts.silenceAfterLastResponderPacket == 4995 * millisecond)
        #expect(facts.longestResponderSilence == 4995 * millisecond)
        #expect(facts.originatorPacketsAfterLastResponderPacket == 250)
        #expect(inbound.uniquePayloadBytes == 200 * 172)
        #expect(outbound.retransmittedSegments == 0)
    }

    @Test func udpMediaBothWaysToTheEnd() throws {
        let script = Script(udp: true, serverPort: 3478)
        for index in 0..<450 {
            script.send(fromClient: true, payload: 172, at: Double(index) * 20)
            script.send(fromClient: false, payload: 172, at: Double(index) * 20 + 5)
        }
        let facts = try script.facts()
        #expect(facts.silenceAfterLastResponderPacket == 0)
        #expect(facts.originatorPacketsAfterLastResponderPacket == 0)
        #expect(facts.longestResponderSilence == 20 * millisecond)
    }

    /// `lossy-but-completed`: a hole filled late, a retransmission, duplicate ACKs, a zero window, then FINs.
    @Test func lossyButCompleted() throws {
        let script = Script()
        script.handshake(rtt: 40)
        script.fromClient([.psh, .ack], payload: 517, at: 41)
        script.fromServer([.psh, .ack], payload: 1000, at: 81)
        let hole = script.serverNext
        script.serverNext &+= 1000  // this segment is lost before the capture point
        script.fromServer([.psh, .ack], payload: 1000, at: 82)  // out of order: a hole before it
        script.send(fromClient: true, .ack, at: 82.1, ack: hole)
        script.send(fromClient: true, .ack, at: 82.2, ack: hole)  // duplicate
        script.send(fromClient: true, .ack, at: 82.3, ack: hole)  // duplicate
        script.fromServer([.psh, .ack], payload: 1000, at: 120, sequence: hole)  // fills the hole: a retransmission
        script.send(fromClient: true, .ack, at: 120.1, window: 0)  // zero window
        script.fromClient(.ack, at: 130)  // window open again
        script.fromServer([.fin, .ack], at: 131)
        script.fromClient([.fin, .ack], at: 132)
        script.fromServer(.ack, at: 133)
        let facts = try script.facts()
        let (client, server) = (facts.originator, facts.responder)
        #expect(server.outOfOrderSegments == 1)
        #expect(server.retransmittedSegments == 1)
        #expect(server.retransmittedBytes == 1000)
        #expect(server.uniquePayloadBytes == 3000)
        #expect(server.holeFilledBytes == 1000)
        #expect(client.duplicateACKs == 2)
        #expect(client.zeroWindowAdvertisements == 1)
        #expect(server.finCount == 1 && client.finCount == 1)
        #expect(facts.originatorOutstandingBytes == 0)
        #expect(facts.responderOutstandingBytes == 0)
        #expect(client.fins.first?.sequenceFits == true)
    }

    /// A late SYN flips the roles: the facts follow.
    @Test func lateSYNSwapsTheDirections() throws {
        let script = Script()
        script.fromServer(.ack, at: 0, ttl: 50)
        script.fromClient(.syn, at: 1)
        let facts = try script.facts()
        #expect(facts.originator.synCount == 1)
        #expect(facts.originator.firstTimeToLive == 64)
        #expect(facts.responder.firstTimeToLive == 50)
        #expect(facts.responder.packets == 1)
    }

    /// The same packets give the same facts (packet time only, no clock).
    @Test func recordingIsDeterministic() throws {
        func run() throws -> TeardownFacts {
            let script = Script()
            script.handshake()
            script.fromClient([.psh, .ack], payload: 517, at: 41)
            script.fromServer(.rst, at: 41.01, ttl: 64, id: 0)
            return try script.facts()
        }
        let (first, second) = (try run(), try run())
        #expect(first == second)
    }

    /// ICMP port unreachable (RFC 792) quoting the client's UDP datagram: the lead attributes it to the flow.
    @Test func icmpErrorsAreCountedWithTheFirstOnesDetails() throws {
        // Type 3 code 3, unused word, then the quoted IPv4 header (20 bytes) and 8 bytes of UDP.
        let bytes: [UInt8] = [
            0x03, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
            0x45, 0x00, 0x00, 0x24, 0x00, 0x01, 0x40, 0x00, 0x40, 0x11, 0x00, 0x00,
            0xc0, 0x00, 0x02, 0x02, 0xc6, 0x33, 0x64, 0x02,
            0x9c, 0x40, 0x0d, 0x96, 0x00, 0x10, 0x00, 0x00,
        ]
        let info = try ICMPMessage(validating: bytes.span, version: 4).info().info
        var summary = PacketSummary()
        summary.timestamp = Script.time(5)
        summary.network = NetworkHeader(
            version: 4, source: IPAddress("203.0.113.1") ?? .unspecifiedIPv4, destination: IPAddress("192.0.2.2") ?? .unspecifiedIPv4,
            timeToLive: 62, identification: 7, transportProtocol: .icmp, trafficClass: 0, flowLabel: 0, headerLength: 20,
            totalLength: 20 + bytes.count, dontFragment: false, fragment: nil)
        summary.transport = .icmp(info)
        var facts = TeardownFacts()
        facts.recordICMPError(summary)
        facts.recordICMPError(summary)
        let errors = facts.icmpErrors
        #expect(errors.count == 2)
        #expect(errors.firstType == 3)
        #expect(errors.firstCode == 3)
        #expect(errors.firstVersion == 4)
        #expect(errors.firstSource == IPAddress("203.0.113.1"))
        #expect(errors.firstTimeToLive == 62)
        #expect(errors.firstTime == Script.time(5))
    }
}

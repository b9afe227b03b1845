import Blockscope
import FlowTracking
import Foundation
import PacketCapture
import TestSupport
import Testing
import WireFormat

/// Teardown facts of every flow of the project's lab captures (`Captures/*.pcap`, recorded by
/// `Captures/lab/lab.sh`) against what `Captures/lab/analyze.py` measured with tshark (`measured` in each truth
/// file): counts and bytes exactly; times within 1 µs per rounded value (the truth rounds to µs); goodput
/// within 0.1 %.
@Suite("Teardown facts vs the lab's truth files")
struct TeardownLabTests {
    struct Truth: Decodable {
        struct Endpoint: Decodable { var addr: String; var port: Int }
        struct Reset: Decodable { var ttl: Int; var ip_id: String?; var ack_flag: Bool }
        struct Hello: Decodable { var t: Double; var segment_len: Int; var sends: Int; var acked: Bool }
        struct Measured: Decodable {
            var first_t: Double?
            var server_ttls: [Int]?
            var syn_sent: Int?
            var syn_ack: Int?
            var syn_ack_ttl: Int?
            var handshake_rtt: Double?
            var rst_from_server_side: [Reset]?
            var rst_from_client: Int?
            var fin_client: Bool?
            var fin_server: Bool?
            var server_payload_bytes_unique: Int?
            var server_payload_bytes_total: Int?
            var server_retransmissions: Int?
            var client_payload_bytes_unique: Int?
            var client_retransmissions: Int?
            var server_data_first_t: Double?
            var server_data_last_t: Double?
            var server_goodput_kbit_s: Double?
            var client_hello: Hello?
            var client_frames_after_last_server_frame: Int?
            var silence_after_last_server_frame: Double?
            var stall_offset_bytes: Int?
            var rst_delay_after_client_hello: Double?
            var payload_bytes_client_to_server: Int?
            var payload_bytes_server_to_client: Int?
            var client_first_t: Double?
            var client_last_t: Double?
            var server_first_t: Double?
            var server_last_t: Double?
            var inbound_silence_while_client_sends: Double?
        }
        struct Expected: Decodable { var verdict: String }
        struct Flow: Decodable {
            var label: String?
            var expected: Expected?
            var proto: String
            var client: Endpoint
            var server: Endpoint
            var measured: Measured?
        }
        var flows: [Flow]
    }

    static var captures: [String] {
        let folder = Lab.packageRoot.appendingPathComponent("Captures")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.filter { $0.hasSuffix(".truth.json") }.map { String($0.dropLast(".truth.json".count)) }.sorted()
    }

    /// A truth time (seconds since the capture's first frame, rounded to µs) as a packet time.
    static func instant(_ seconds: Double, from start: Timestamp) -> Timestamp {
        Timestamp(nanoseconds: start.nanoseconds + Int64((seconds * 1e9).rounded()))
    }

    /// Within 1 µs (plus rounding of both ends) of a truth duration in seconds.
    static func close(_ nanoseconds: Int64?, _ seconds: Double?, slack: Int64 = 1_000) -> Bool {
        guard let nanoseconds, let seconds else { return nanoseconds == nil && seconds == nil }
        return abs(nanoseconds - Int64((seconds * 1e9).rounded())) <= slack
    }

    @Test func theScenarioCapturesAreThere() {
        for name in ["tcp-freeze-16k", "sni-rst-injection", "sni-throttle-128k", "call-media-cutoff"] {
            #expect(Self.captures.contains(name), "\(name)")
        }
    }

    @Test(arguments: captures)
    func factsMatchTheMeasuredValues(_ name: String) throws {
        let folder = Lab.packageRoot.appendingPathComponent("Captures")
        let truth = try JSONDecoder().decode(
            Truth.self, from: Data(contentsOf: folder.appendingPathComponent("\(name).truth.json")))
        let handle = try PcapHandle.openOffline(path: folder.appendingPathComponent("\(name).pcap").path)
        defer { handle.close() }
        let analyzer = Analyzer()
        var start: Timestamp?
        _ = try handle.forEachFrame { frame, bytes in
            if start == nil { start = frame.timestamp }
            analyzer.process(bytes, linkType: frame.linkType, timestamp: frame.timestamp, wireLength: frame.originalLength)
        }
        let origin = try #require(start)
        let flows = analyzer.finish()
        var compared = 0
        for expected in truth.flows {
            guard let m = expected.measured else { continue }
            let label = "\(name) \(expected.label ?? "") \(expected.client.addr):\(expected.client.port)"
            let match = flows.first {
                $0.key.transportProtocol.name == expected.proto
                    && $0.originator.address == IPAddress(expected.client.addr) && Int($0.originator.port) == expected.client.port
                    && $0.responder.address == IPAddress(expected.server.addr) && Int($0.responder.port) == expected.server.port
            }
            let flow = try #require(match, "\(label): no flow")
            let facts = flow.teardown
            let (client, server) = (facts.originator, facts.responder)
            compared += 1
            if expected.proto == "tcp" {
                checkTCP(facts, client, server, m, origin, label)
                if expected.expected?.verdict == "throttled-policer" { checkPolicer(server.rate, label) }
            } else {
                checkUDP(facts, client, server, m, origin, label)
            }
        }
        // `loopback-facetime-tls` carries no tshark measurements, only flows and packet counts.
        #expect(compared == truth.flows.filter { $0.measured != nil }.count)
    }

    func checkTCP(
        _ facts: TeardownFacts, _ client: TeardownDirection, _ server: TeardownDirection, _ m: Truth.Measured,
        _ origin: Timestamp, _ label: String
    ) {
        #expect(client.synCount == m.syn_sent, "\(label): SYNs")
        #expect((server.firstSYNACKTime != nil) == ((m.syn_ack ?? 0) > 0), "\(label): SYN-ACK")
        #expect(Self.close(facts.handshakeRTT, m.handshake_rtt, slack: 2_000), "\(label): handshake RTT \(String(describing: facts.handshakeRTT))")
        // TTLs: server packets other than RSTs all carry one TTL in the lab.
        if let ttls = m.server_ttls, ttls.count == 1, server.resetCount == 0 {
            #expect(server.minimumTimeToLive.map(Int.init) == ttls[0], "\(label): server TTL")
            #expect(server.maximumTimeToLive.map(Int.init) == ttls[0], "\(label): server TTL")
        }
        #expect(server.uniquePayloadBytes == m.server_payload_bytes_unique, "\(label): server unique bytes")
        #expect(server.payloadBytes == m.server_payload_bytes_total, "\(label): server bytes")
        #expect(server.retransmittedSegments == m.server_retransmissions, "\(label): server retransmissions")
        #expect(client.uniquePayloadBytes == m.client_payload_bytes_unique, "\(label): client unique bytes")
        #expect(client.retransmittedSegments == m.client_retransmissions, "\(label): client retransmissions")
        #expect((client.finCount > 0) == m.fin_client, "\(label): client FIN")
        #expect((server.finCount > 0) == m.fin_server, "\(label): server FIN")
        #expect(client.resetCount == m.rst_from_client, "\(label): client RSTs")
        let resets = m.rst_from_server_side ?? []
        #expect(server.resetCount == resets.count, "\(label): server RSTs")
        for (reset, expected) in zip(server.resets, resets) {
            #expect(Int(reset.timeToLive) == expected.ttl, "\(label): RST TTL")
            #expect(reset.flags.contains(.ack) == expected.ack_flag, "\(label): RST ACK flag")
            if let id = expected.ip_id { #expect(UInt32(id.dropFirst(2), radix: 16) == reset.identification, "\(label): RST IP-ID") }
        }
        if let delay = m.rst_delay_after_client_hello {
            #expect(Self.close(facts.firstResetDelayAfterRequest, delay, slack: 2_000), "\(label): RST delay")
            // The injected RST comes from the middlebox: TTL 64 against the server's 58.
            #expect(server.resets.first?.timeToLiveDifference == 6, "\(label): RST TTL difference")
            #expect(server.resets.first?.timeToLiveOutsideEarlierRange == true, "\(label): RST TTL outside")
        }
        if let hello = m.client_hello {
            #expect(facts.firstRequest?.time == Self.instant(hello.t, from: origin), "\(label): ClientHello time")
            #expect(facts.firstRequest?.length == hello.segment_len, "\(label): ClientHello length")
            #expect(facts.firstRequest?.sends == hello.sends, "\(label): ClientHello sends")
            #expect(facts.firstRequestAcknowledged == hello.acked, "\(label): ClientHello acknowledged")
        }
        if let first = m.server_data_first_t, let last = m.server_data_last_t {
            #expect(server.firstDataTime == Self.instant(first, from: origin), "\(label): first server data")
            #expect(server.lastDataTime == Self.instant(last, from: origin), "\(label): last server data")
        }
        if let goodput = m.server_goodput_kbit_s {
            let measured = (server.goodputBitsPerSecond ?? 0) / 1000
            #expect(abs(measured - goodput) <= max(0.1, goodput * 0.001), "\(label): goodput \(measured) kbit/s")
        }
        if let after = m.client_frames_after_last_server_frame {
            #expect(facts.originatorPacketsAfterLastResponderPacket == after, "\(label): client packets after the server's last")
        }
        if let silence = m.silence_after_last_server_frame {
            #expect(Self.close(facts.silenceAfterLastResponderPacket, silence, slack: 2_000), "\(label): silence at the end")
        }
        if let stall = m.stall_offset_bytes {
            #expect(facts.responderBytesBeforeStall == stall, "\(label): stall offset")
            #expect((facts.originatorOutstandingBytes ?? 0) > 0, "\(label): client data outstanding at the freeze")
        }
    }

    /// `sni-throttle-128k`: the middlebox polices the flow to 16 KiB/s (tbf, see the truth file's rules). After
    /// the first second (the bucket's burst), the 1-second windows of delivered bytes are flat near that rate.
    func checkPolicer(_ rate: TeardownRate, _ label: String) {
        #expect(rate.windows >= 5, "\(label): windows")
        let mean = rate.steadyMeanBytesPerWindow ?? 0
        #expect(abs(mean - 16_384) <= 16_384 * 0.2, "\(label): steady bytes per second \(mean)")
        #expect((rate.steadyCoefficientOfVariation ?? 1) < 0.3, "\(label): steadiness")
    }

    func checkUDP(
        _ facts: TeardownFacts, _ client: TeardownDirection, _ server: TeardownDirection, _ m: Truth.Measured,
        _ origin: Timestamp, _ label: String
    ) {
        #expect(client.payloadBytes == m.payload_bytes_client_to_server, "\(label): outbound bytes")
        #expect(server.payloadBytes == (m.payload_bytes_server_to_client ?? 0), "\(label): inbound bytes")
        #expect(client.firstTime == m.client_first_t.map { Self.instant($0, from: origin) }, "\(label): first outbound")
        #expect(client.lastTime == m.client_last_t.map { Self.instant($0, from: origin) }, "\(label): last outbound")
        #expect(server.firstTime == m.server_first_t.map { Self.instant($0, from: origin) }, "\(label): first inbound")
        #expect(server.lastTime == m.server_last_t.map { Self.instant($0, from: origin) }, "\(label): last inbound")
        if let silence = m.inbound_silence_while_client_sends {
            #expect(Self.close(facts.silenceAfterLastResponderPacket, max(0, silence), slack: 2_000), "\(label): inbound silence")
        }
    }
}

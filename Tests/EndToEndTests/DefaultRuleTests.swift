import Blockscope
import FlowTracking
import Foundation
import PacketCapture
import Rules
import TestSupport
import Testing
import WireFormat

// MARK: - Synthetic conversations as real frames

/// Writes a conversation as real Ethernet/IPv4 frames (valid checksums, running sequence numbers) and runs it
/// through the whole pipeline (dissector, flow table, application parsers, built-in rules). Payloads that carry
/// meaning are real bytes taken from the project's captures (a ClientHello, QUIC Initials) or built to their RFCs
/// (STUN Binding requests, RTP); bulk data is zeros. TTLs default to a server six hops away (58), as in the lab.
struct Conversation {
    var client: [UInt8] = [192, 0, 2, 2]
    var server: [UInt8] = [198, 51, 100, 2]
    var clientPort: UInt16 = 40000
    var serverPort: UInt16 = 443
    var udp = false
    var clientNext: UInt32 = 1_000
    var serverNext: UInt32 = 500_000
    var clientID: UInt16 = 100
    var serverID: UInt16 = 30_000
    private(set) var frames: [(milliseconds: Double, bytes: [UInt8])] = []

    init(udp: Bool = false, serverPort: UInt16 = 443, server: [UInt8] = [198, 51, 100, 2], clientPort: UInt16 = 40000) {
        self.udp = udp
        self.serverPort = serverPort
        self.server = server
        self.clientPort = clientPort
    }

    static func checksum(_ bytes: [UInt8]) -> UInt16 {
        var sum: UInt32 = 0
        var index = 0
        while index + 1 < bytes.count {
            sum += UInt32(bytes[index]) << 8 | UInt32(bytes[index + 1])
            index += 2
        }
        if index < bytes.count { sum += UInt32(bytes[index]) << 8 }
        while sum >> 16 != 0 { sum = (sum & 0xFFFF) + (sum >> 16) }
        return ~UInt16(sum)
    }

    static func be16(_ value: UInt16) -> [UInt8] { [UInt8(value >> 8), UInt8(value & 0xFF)] }
    static func be32(_ value: UInt32) -> [UInt8] { [UInt8(value >> 24), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)] }

    /// One TCP segment. `sequence` overrides the running number (a retransmission does not advance it).
    mutating func tcp(
        _ fromClient: Bool, _ flags: TCPFlags = .ack, payload: [UInt8] = [], at milliseconds: Double,
        sequence: UInt32? = nil, ttl: UInt8? = nil, id: UInt16? = nil
    ) {
        let seq = sequence ?? (fromClient ? clientNext : serverNext)
        let ack = flags.contains(.ack) ? (fromClient ? serverNext : clientNext) : 0
        if sequence == nil, !flags.contains(.rst) {
            let used = UInt32(payload.count) + (flags.contains(.syn) ? 1 : 0) + (flags.contains(.fin) ? 1 : 0)
            if fromClient { clientNext &+= used } else { serverNext &+= used }
        }
        let (source, destination) = fromClient ? (clientPort, serverPort) : (serverPort, clientPort)
        var segment = Self.be16(source) + Self.be16(destination) + Self.be32(seq) + Self.be32(ack)
        segment += [0x50, UInt8(flags.rawValue & 0xFF)] + Self.be16(502) + [0, 0, 0, 0]
        segment += payload
        frame(fromClient, protocol: 6, segment: segment, at: milliseconds, ttl: ttl, id: id)
    }

    mutating func udp(_ fromClient: Bool, payload: [UInt8], at milliseconds: Double) {
        let (source, destination) = fromClient ? (clientPort, serverPort) : (serverPort, clientPort)
        let datagram = Self.be16(source) + Self.be16(destination) + Self.be16(UInt16(8 + payload.count)) + [0, 0] + payload
        frame(fromClient, protocol: 17, segment: datagram, at: milliseconds, ttl: nil, id: nil)
    }

    private mutating func frame(_ fromClient: Bool, protocol number: UInt8, segment: [UInt8], at milliseconds: Double, ttl: UInt8?, id: UInt16?) {
        let (source, destination) = fromClient ? (client, server) : (server, client)
        let identification: UInt16
        if let id {
            identification = id
        } else if fromClient {
            clientID &+= 1
            identification = clientID
        } else {
            serverID &+= 1
            identification = serverID
        }
        // The transport checksum over the pseudo-header (RFC 9293 §3.1, RFC 768).
        var withChecksum = segment
        let pseudo = source + destination + [0, number] + Self.be16(UInt16(segment.count))
        let sum = Self.checksum(pseudo + segment)
        let at = number == 6 ? 16 : 6
        withChecksum[at] = UInt8(sum >> 8)
        withChecksum[at + 1] = UInt8(sum & 0xFF)
        var header: [UInt8] = [0x45, 0] + Self.be16(UInt16(20 + segment.count)) + Self.be16(identification) + [0x40, 0]
        header += [ttl ?? (fromClient ? 64 : 58), number, 0, 0] + source + destination
        let headerSum = Self.checksum(header)
        header[10] = UInt8(headerSum >> 8)
        header[11] = UInt8(headerSum & 0xFF)
        let ethernet: [UInt8] = [2, 0, 0, 0, 0, fromClient ? 2 : 1, 2, 0, 0, 0, 0, fromClient ? 1 : 2, 0x08, 0x00]
        frames.append((milliseconds, ethernet + header + withChecksum))
    }

    /// A TCP handshake: SYN at `at`, SYN-ACK after `rtt` ms, ACK.
    mutating func handshake(at start: Double = 0, rtt: Double = 40) {
        tcp(true, .syn, at: start)
        tcp(false, [.syn, .ack], at: start + rtt)
        tcp(true, .ack, at: start + rtt + 0.1)
    }

    /// Server data from `start`: `bytes` in 1400-byte segments every `gap` ms, each acknowledged by the client.
    mutating func serverData(_ bytes: Int, from start: Double, gap: Double = 1) -> Double {
        var time = start
        var left = bytes
        while left > 0 {
            let size = min(1400, left)
            tcp(false, [.ack, .psh], payload: [UInt8](repeating: 0, count: size), at: time)
            tcp(true, .ack, at: time + 0.2)
            left -= size
            time += gap
        }
        return time
    }
}

/// Several conversations interleaved by time into one stream (a control beside the flow under test).
func verdicts(_ conversations: [Conversation], services: Bool = false) throws -> [UInt16: Verdict] {
    let classifier = try Classifier()
    let analyzer = Analyzer()
    let all = conversations.flatMap(\.frames).sorted { $0.milliseconds < $1.milliseconds }
    var result: [UInt16: Verdict] = [:]
    let base = Timestamp(nanoseconds: 1_790_000_000_000_000_000)
    func judge(_ flows: [Flow]) {
        for flow in flows {
            result[flow.originator.port] = classifier.verdict(for: classifier.context(for: flow, in: analyzer.flows))
        }
    }
    for frame in all {
        analyzer.process(
            frame.bytes.span, linkType: .ethernet,
            timestamp: Timestamp(nanoseconds: base.nanoseconds + Int64(frame.milliseconds * 1_000_000)),
            wireLength: frame.bytes.count)
        judge(analyzer.flows.takeFinished())
    }
    judge(analyzer.finish())
    return result
}

/// Real payloads from the project's captures: the first payload sent to `port` over TCP (or UDP).
enum RealPayload {
    static func first(in capture: String, toPort port: UInt16, udp: Bool = false) throws -> [UInt8] {
        let handle = try PcapHandle.openOffline(path: Lab.packageRoot.appendingPathComponent(capture).path)
        defer { handle.close() }
        let dissector = Dissector()
        var summary = PacketSummary()
        var found: [UInt8]?
        try handle.forEachFrame { frame, bytes in
            guard found == nil else { return }
            dissector.dissect(bytes, linkType: frame.linkType, timestamp: frame.timestamp, wireLength: frame.originalLength, into: &summary)
            let destination: UInt16?
            switch summary.transport {
            case .tcp(let tcp): destination = udp ? nil : tcp.destinationPort
            case .udp(let header): destination = udp ? header.destinationPort : nil
            default: destination = nil
            }
            guard destination == port, summary.payload.capturedLength > 0 else { return }
            found = dissector.withPayload(of: summary, in: bytes) { payload in
                var copy: [UInt8] = []
                for index in payload.indices { copy.append(payload[index]) }
                return copy
            }
        }
        return try #require(found, "no payload to port \(port) in \(capture)")
    }

    static func clientHello() throws -> [UInt8] { try first(in: "Captures/loopback-facetime-tls.pcap", toPort: 8443) }
    static func quicInitial() throws -> [UInt8] { try first(in: "Captures/quic-drop.pcap", toPort: 443, udp: true) }

    /// A STUN Binding request (RFC 8489 §5): type 0x0001, no attributes, the magic cookie, transaction `id`.
    static func stunBindingRequest(_ id: UInt8) -> [UInt8] {
        [0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xA4, 0x42] + [UInt8](repeating: id, count: 12)
    }

    /// A STUN Binding success response to transaction `id`.
    static func stunBindingResponse(_ id: UInt8) -> [UInt8] {
        [0x01, 0x01, 0x00, 0x00, 0x21, 0x12, 0xA4, 0x42] + [UInt8](repeating: id, count: 12)
    }

    /// An RTP packet (RFC 3550 §5.1): version 2, payload type 111, sequence `n`, 160 bytes of payload.
    static func rtp(_ n: UInt16, ssrc: UInt32) -> [UInt8] {
        [0x80, 111] + Conversation.be16(n) + Conversation.be32(UInt32(n) * 960) + Conversation.be32(ssrc)
            + [UInt8](repeating: 0x55, count: 160)
    }
}

// MARK: - One test per built-in rule, and its benign twin

/// Every built-in rule matched by a synthetic conversation shaped as DESIGN.md describes the pattern, and a twin
/// that differs in the one fact that matters and must not get that verdict.
@Suite("Built-in rules: each pattern and its benign twin")
struct DefaultRuleTests {
    /// A completed TCP exchange with the same server: the same-host control rules about silence need.
    static func control(port: UInt16 = 41000, at start: Double = 0) -> Conversation {
        var c = Conversation(clientPort: port)
        c.handshake(at: start)
        c.tcp(true, [.ack, .psh], payload: [UInt8](repeating: 1, count: 300), at: start + 41)
        let end = c.serverData(3000, from: start + 80)
        c.tcp(false, [.fin, .ack], at: end)
        c.tcp(true, [.fin, .ack], at: end + 1)
        c.tcp(false, .ack, at: end + 41)
        return c
    }

    /// The verdict id and class, and the rule that gave it (`rule`, by default the id).
    static func expect(
        _ verdict: Verdict?, _ id: String, _ verdictClass: VerdictClass, rule: String? = nil,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(verdict?.rule == rule ?? id, "rule \(verdict?.rule ?? "none")", sourceLocation: sourceLocation)
        #expect(verdict?.id == id, "verdict \(verdict.map { "\($0.id) (\($0.rule))" } ?? "none"), expected \(id)", sourceLocation: sourceLocation)
        #expect(verdict?.verdictClass == verdictClass, "class \(verdict?.verdictClass.rawValue ?? "none")", sourceLocation: sourceLocation)
    }

    @Test func captureTruncated() throws {
        var c = Conversation()
        c.tcp(true, [.ack, .psh], payload: [1, 2, 3], at: 0)
        c.tcp(false, .ack, at: 40)
        Self.expect(try verdicts([c])[40000], "capture-truncated", .inconclusive)
        var twin = Conversation()
        twin.handshake()
        twin.tcp(true, [.ack, .psh], payload: [1, 2, 3], at: 41)
        _ = twin.serverData(500, from: 80)
        Self.expect(try verdicts([twin])[40000], "completed", .benign)
    }

    @Test func synAnsweredByAnRSTBurstAndByOneRST() throws {
        var c = Conversation()
        c.tcp(true, .syn, at: 0)
        c.tcp(false, [.rst, .ack], at: 5, ttl: 64)
        c.tcp(false, [.rst, .ack], at: 5.5, ttl: 64)
        Self.expect(try verdicts([c])[40000], "tcp-syn-rst-injected", .blocked)
        var twin = Conversation()
        twin.tcp(true, .syn, at: 0)
        twin.tcp(false, [.rst, .ack], at: 40)
        Self.expect(try verdicts([twin])[40000], "tcp-refused", .benign)
    }

    @Test func synTimeout() throws {
        var c = Conversation()
        for t in [0.0, 1000, 3000] { c.tcp(true, .syn, at: t, sequence: 1_000) }
        Self.expect(try verdicts([c])[40000], "tcp-syn-timeout", .blocked)
        // Twin 1: a SYN-ACK came.
        var answered = Conversation()
        answered.tcp(true, .syn, at: 0, sequence: 1_000)
        answered.tcp(true, .syn, at: 1000, sequence: 1_000)
        answered.tcp(false, [.syn, .ack], at: 1040)
        answered.tcp(true, .ack, at: 1041)
        answered.tcp(true, .syn, at: 3000, sequence: 1_000)
        #expect(try verdicts([answered])[40000]?.id != "tcp-syn-timeout")
        // Twin 2: the same SYNs to a host on the local network: no censor sits there.
        var local = Conversation(server: [10, 0, 0, 151])
        for t in [0.0, 1000, 3000] { local.tcp(true, .syn, at: t, sequence: 1_000) }
        #expect(try verdicts([local])[40000]?.verdictClass != .blocked)
    }

    @Test func rstAfterTheClientHello() throws {
        let hello = try RealPayload.clientHello()
        var c = Conversation()
        c.handshake()
        c.tcp(true, [.ack, .psh], payload: hello, at: 41)
        c.tcp(false, .rst, at: 41.5, ttl: 64)  // 0.5 ms after the ClientHello, RTT 40 ms, TTL unlike the server's 58
        Self.expect(try verdicts([c])[40000], "tls-hello-rst", .blocked)
        // Twin: the server's own RST (its TTL, a full RTT later): the same id, but not called blocked.
        var twin = Conversation()
        twin.handshake()
        twin.tcp(true, [.ack, .psh], payload: hello, at: 41)
        twin.tcp(false, .rst, at: 90)
        Self.expect(try verdicts([twin])[40000], "tls-hello-rst", .inconclusive, rule: "tls-hello-rst-unconfirmed")
    }

    @Test func clientHelloNeverAcknowledged() throws {
        let hello = try RealPayload.clientHello()
        var c = Conversation()
        c.handshake()
        let sequence = c.clientNext
        for t in [41.0, 1041, 3041] { c.tcp(true, [.ack, .psh], payload: hello, at: t, sequence: sequence) }
        Self.expect(try verdicts([c])[40000], "tls-hello-timeout", .blocked)
        // Twin: acknowledged (then the server stays silent: not a hello timeout).
        var twin = Conversation()
        twin.handshake()
        twin.tcp(true, [.ack, .psh], payload: hello, at: 41)
        twin.tcp(false, .ack, at: 81)
        twin.tcp(true, [.fin, .ack], at: 3041)
        #expect(try verdicts([twin])[40000]?.id != "tls-hello-timeout")
    }

    @Test func finRightAfterTheClientHello() throws {
        let hello = try RealPayload.clientHello()
        var c = Conversation()
        c.handshake()
        c.tcp(true, [.ack, .psh], payload: hello, at: 41)
        c.tcp(false, [.fin, .ack], at: 42)
        Self.expect(try verdicts([c])[40000], "tls-hello-fin", .blocked)
        // Twin: the server answered before closing.
        var twin = Conversation()
        twin.handshake()
        twin.tcp(true, [.ack, .psh], payload: hello, at: 41)
        let end = twin.serverData(2800, from: 81)
        twin.tcp(false, [.fin, .ack], at: end)
        Self.expect(try verdicts([twin])[40000], "completed", .benign)
    }

    @Test func serverAcknowledgesAndNeverAnswers() throws {
        let hello = try RealPayload.clientHello()
        var c = Conversation()
        c.handshake()
        c.tcp(true, [.ack, .psh], payload: hello, at: 41)
        c.tcp(false, .ack, at: 81)
        c.tcp(true, [.fin, .ack], at: 3000)
        Self.expect(try verdicts([c])[40000], "server-silent", .benign)
        // Twin: the answer came after 1 s (a slow server, not a silent one).
        var twin = Conversation()
        twin.handshake()
        twin.tcp(true, [.ack, .psh], payload: hello, at: 41)
        twin.tcp(false, .ack, at: 81)
        _ = twin.serverData(1400, from: 1000)
        twin.tcp(true, [.fin, .ack], at: 3000)
        Self.expect(try verdicts([twin])[40000], "completed", .benign)
    }

    @Test func freezeAfterSixteenKiB() throws {
        let hello = try RealPayload.clientHello()
        var c = Conversation()
        c.handshake()
        c.tcp(true, [.ack, .psh], payload: hello, at: 41)
        _ = c.serverData(16 * 1024, from: 81)
        // The client asks for more; nothing comes back, not even an ACK.
        let sequence = c.clientNext
        for t in [1000.0, 2000, 4500] { c.tcp(true, [.ack, .psh], payload: [7, 7, 7, 7], at: t, sequence: sequence) }
        Self.expect(try verdicts([c])[40000], "tcp-freeze", .blocked)
        // Twin: the same 16 KiB, then the server closes: a small response, not a freeze.
        var twin = Conversation()
        twin.handshake()
        twin.tcp(true, [.ack, .psh], payload: hello, at: 41)
        let end = twin.serverData(16 * 1024, from: 81)
        twin.tcp(false, [.fin, .ack], at: end)
        twin.tcp(true, [.fin, .ack], at: end + 1)
        Self.expect(try verdicts([twin])[40000], "completed", .benign)
    }

    @Test func rstMidStream() throws {
        let hello = try RealPayload.clientHello()
        var c = Conversation()
        c.handshake()
        c.tcp(true, [.ack, .psh], payload: hello, at: 41)
        _ = c.serverData(5000, from: 81)
        c.tcp(false, .rst, at: 500, ttl: 64, id: 0)
        c.tcp(false, .rst, at: 500.5, ttl: 64, id: 0)
        Self.expect(try verdicts([c])[40000], "tcp-midstream-rst", .blocked)
        // Twin: one RST from the server itself (its TTL, its IP-ID sequence).
        var twin = Conversation()
        twin.handshake()
        twin.tcp(true, [.ack, .psh], payload: hello, at: 41)
        _ = twin.serverData(5000, from: 81)
        twin.tcp(false, .rst, at: 500)
        #expect(try verdicts([twin])[40000]?.verdictClass != .blocked)
    }

    @Test func rstTowardTheServerInTheClientsName() throws {
        // Seen at the server: the "client" RST has another TTL and an IP-ID out of the client's sequence.
        var c = Conversation()
        c.handshake()
        c.tcp(true, [.ack, .psh], payload: [UInt8](repeating: 1, count: 300), at: 41)
        c.tcp(true, .rst, at: 42, ttl: 45, id: 54321)
        c.tcp(true, .rst, at: 42.2, ttl: 45, id: 54322)
        Self.expect(try verdicts([c])[40000], "tcp-midstream-rst", .blocked, rule: "tcp-rst-injected-toward-server")
        // Twin: the client's own RST (its TTL, its next IP-ID).
        var twin = Conversation()
        twin.handshake()
        twin.tcp(true, [.ack, .psh], payload: [UInt8](repeating: 1, count: 300), at: 41)
        twin.tcp(true, .rst, at: 42)
        Self.expect(try verdicts([twin])[40000], "client-abort", .benign)
    }

    @Test func policedToAbout128kbits() throws {
        let hello = try RealPayload.clientHello()
        // 1400 bytes every 87.5 ms = 128 kbit/s for 8 s, with one retransmitted segment.
        var c = Conversation()
        c.handshake()
        c.tcp(true, [.ack, .psh], payload: hello, at: 41)
        var end = c.serverData(1400 * 91, from: 81, gap: 87.5)
        c.tcp(false, [.ack, .psh], payload: [UInt8](repeating: 0, count: 1400), at: end, sequence: c.serverNext &- 1400)
        end += 1
        c.tcp(false, [.fin, .ack], at: end)
        c.tcp(true, [.fin, .ack], at: end + 1)
        Self.expect(try verdicts([c])[40000], "throttled-policer", .throttled)
        // Twin: the same transfer at 10 Mbit/s.
        var twin = Conversation()
        twin.handshake()
        twin.tcp(true, [.ack, .psh], payload: hello, at: 41)
        var fast = twin.serverData(1400 * 91, from: 81, gap: 1.12)
        twin.tcp(false, [.ack, .psh], payload: [UInt8](repeating: 0, count: 1400), at: fast, sequence: twin.serverNext &- 1400)
        fast += 1
        twin.tcp(false, [.fin, .ack], at: fast)
        twin.tcp(true, [.fin, .ack], at: fast + 1)
        #expect(try verdicts([twin])[40000]?.id != "throttled-policer")
    }

    @Test func quicInitialsUnanswered() throws {
        let initial = try RealPayload.quicInitial()
        var c = Conversation(udp: true)
        for t in [100.0, 1100, 2100] { c.udp(true, payload: initial, at: t) }
        Self.expect(try verdicts([Self.control(), c])[40000], "quic-initial-timeout", .blocked)
        // Twin: no sign the host answers anything (no control): not called blocked.
        Self.expect(try verdicts([c])[40000], "quic-initial-timeout", .inconclusive, rule: "quic-initial-timeout-unconfirmed")
        // Twin 2: a control, but from two hours earlier: not contemporaneous.
        var late = Conversation(udp: true)
        for t in [7_200_000.0, 7_201_000, 7_202_000] { late.udp(true, payload: initial, at: t) }
        Self.expect(
            try verdicts([Self.control(), late])[40000], "quic-initial-timeout", .inconclusive, rule: "quic-initial-timeout-unconfirmed")
    }

    @Test func stunUnanswered() throws {
        var c = Conversation(udp: true, serverPort: 3478)
        for (index, t) in [100.0, 600, 1600, 3100].enumerated() { c.udp(true, payload: RealPayload.stunBindingRequest(UInt8(index)), at: t) }
        Self.expect(try verdicts([Self.control(), c])[40000], "stun-unanswered", .blocked)
        Self.expect(try verdicts([c])[40000], "stun-unanswered", .inconclusive, rule: "stun-unanswered-unconfirmed")
        // Twin: answered.
        var twin = Conversation(udp: true, serverPort: 3478)
        twin.udp(true, payload: RealPayload.stunBindingRequest(1), at: 100)
        twin.udp(false, payload: RealPayload.stunBindingResponse(1), at: 140)
        Self.expect(try verdicts([Self.control(), twin])[40000], "completed", .benign)
    }

    @Test func mediaCutOff() throws {
        var c = Conversation(udp: true, serverPort: 16393)
        var n: UInt16 = 0
        for step in 0..<100 {  // 2 s both ways at 50 packets/s
            c.udp(true, payload: RealPayload.rtp(n, ssrc: 1), at: Double(step) * 20)
            c.udp(false, payload: RealPayload.rtp(n, ssrc: 2), at: Double(step) * 20 + 5)
            n += 1
        }
        for step in 100..<300 {  // then 4 s outbound only
            c.udp(true, payload: RealPayload.rtp(n, ssrc: 1), at: Double(step) * 20)
            n += 1
        }
        Self.expect(try verdicts([c])[40000], "udp-media-cutoff", .blocked)
        // Twin: the other side goes on too, and the call ends together.
        var twin = Conversation(udp: true, serverPort: 16393)
        for step in 0..<300 {
            twin.udp(true, payload: RealPayload.rtp(UInt16(step), ssrc: 1), at: Double(step) * 20)
            twin.udp(false, payload: RealPayload.rtp(UInt16(step), ssrc: 2), at: Double(step) * 20 + 5)
        }
        Self.expect(try verdicts([twin])[40000], "completed", .benign)
    }

    @Test func datagramsIntoSilence() throws {
        var c = Conversation(udp: true, serverPort: 5000)
        for t in stride(from: 100.0, through: 4100, by: 800) { c.udp(true, payload: [UInt8](repeating: 0xAB, count: 200), at: t) }
        Self.expect(try verdicts([Self.control(), c])[40000], "udp-unanswered", .blocked)
        Self.expect(try verdicts([c])[40000], "udp-unanswered", .inconclusive, rule: "udp-unanswered-unconfirmed")
        // Twin: the same datagrams to a host on the local network, with a control there: not blocked.
        var local = Conversation(udp: true, serverPort: 5000, server: [192, 168, 1, 20])
        for t in stride(from: 100.0, through: 4100, by: 800) { local.udp(true, payload: [UInt8](repeating: 0xAB, count: 200), at: t) }
        var localControl = Conversation(server: [192, 168, 1, 20], clientPort: 41000)
        localControl.handshake()
        _ = localControl.serverData(1400, from: 80)
        #expect(try verdicts([localControl, local])[40000]?.verdictClass != .blocked)
    }

    @Test func lossyButCompletedAndPlainCompleted() throws {
        let hello = try RealPayload.clientHello()
        var c = Conversation()
        c.handshake()
        c.tcp(true, [.ack, .psh], payload: hello, at: 41)
        // Ten segments; three are lost on the way and come again later (holes, then retransmissions).
        let start = c.serverNext
        var time = 81.0
        for index in 0..<10 {
            let sequence = start &+ UInt32(index * 1400)
            if ![2, 5, 7].contains(index) {
                c.tcp(false, [.ack, .psh], payload: [UInt8](repeating: 0, count: 1400), at: time, sequence: sequence)
            }
            time += 1
        }
        for index in [2, 5, 7] {
            c.tcp(false, [.ack, .psh], payload: [UInt8](repeating: 0, count: 1400), at: time, sequence: start &+ UInt32(index * 1400))
            time += 1
        }
        c.serverNext = start &+ 14_000
        c.tcp(false, [.fin, .ack], at: time)
        c.tcp(true, [.fin, .ack], at: time + 1)
        Self.expect(try verdicts([c])[40000], "lossy-but-completed", .benign)
        Self.expect(try verdicts([Self.control(port: 40000)])[40000], "completed", .benign)
    }

    @Test func clientAbortAndUnclassified() throws {
        var abort = Conversation()
        abort.handshake()
        abort.tcp(true, .rst, at: 100)
        Self.expect(try verdicts([abort])[40000], "client-abort", .benign)
        // A handshake and nothing else, briefly: no rule knows what that is.
        var idle = Conversation()
        idle.handshake()
        Self.expect(try verdicts([idle])[40000], "unclassified", .inconclusive)
    }

    /// Every built-in rule id is exercised by a test above, which checks the rule that matched (a new rule needs
    /// its test).
    @Test func everyBuiltInRuleHasATest() throws {
        let covered: Set<String> = [
            "capture-truncated", "tcp-syn-rst-injected", "tcp-refused", "tcp-syn-timeout", "tls-hello-rst",
            "tls-hello-rst-unconfirmed", "tls-hello-timeout", "tls-hello-fin", "server-silent", "tcp-freeze",
            "tcp-midstream-rst", "tcp-rst-injected-toward-server", "throttled-policer", "quic-initial-timeout",
            "stun-unanswered", "stun-unanswered-unconfirmed", "quic-initial-timeout-unconfirmed", "udp-media-cutoff",
            "udp-unanswered", "udp-unanswered-unconfirmed", "lossy-but-completed", "completed", "client-abort",
            "unclassified",
        ]
        let rules = Set(try Classifier().rules.rules.map(\.id))
        #expect(rules.subtracting(covered).isEmpty, "rules without a synthetic test: \(rules.subtracting(covered).sorted())")
    }
}

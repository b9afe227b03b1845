import FlowTracking
import Testing
import WireFormat

/// Synthetic packet sequences through a `FlowTable`, one per conn_state and history rule. The expected values
/// follow Zeek's source (TCPSessionAdapter.cc, Conn.cc, scripts/base/protocols/conn/main.zeek); the agreement with
/// Zeek's own output on real captures is `ZeekAgreementTests`.
@Suite("Zeek conn_state and history")
struct ZeekConnectionTests {
    static let client = "192.0.2.1"
    static let server = "198.51.100.7"

    /// A TCP segment between the client (port 50000) and the server (`serverPort`, 443 by default: a likely
    /// server port for Zeek).
    static func segment(
        client fromClient: Bool, _ flags: TCPFlags, seq: UInt32, ack: UInt32 = 0, payload: Int = 0,
        window: UInt16 = 1000, serverPort: UInt16 = 443, at time: Int64 = 0
    ) -> PacketSummary {
        var summary = PacketSummary()
        summary.timestamp = Timestamp(seconds: time, nanoseconds: 0)
        let (source, destination) = fromClient ? (client, server) : (server, client)
        let (sourcePort, destinationPort): (UInt16, UInt16) = fromClient ? (50000, serverPort) : (serverPort, 50000)
        summary.network = NetworkHeader(
            version: 4, source: IPAddress(source) ?? .unspecifiedIPv4, destination: IPAddress(destination) ?? .unspecifiedIPv4,
            timeToLive: 64, identification: 0, transportProtocol: .tcp, trafficClass: 0, flowLabel: 0, headerLength: 20,
            totalLength: 40 + payload, dontFragment: false, fragment: nil)
        summary.transport = .tcp(
            TCPHeader(
                sourcePort: sourcePort, destinationPort: destinationPort, sequenceNumber: seq, acknowledgmentNumber: ack,
                flags: flags, window: window, urgentPointer: 0, headerLength: 20, options: TCPOptions()))
        summary.payload.length = payload
        summary.payload.capturedLength = payload
        return summary
    }

    static func datagram(client fromClient: Bool, clientPort: UInt16 = 50000, serverPort: UInt16 = 53, payload: Int = 30) -> PacketSummary {
        let (source, destination) = fromClient ? (client, server) : (server, client)
        let (sourcePort, destinationPort) = fromClient ? (clientPort, serverPort) : (serverPort, clientPort)
        return packet(from: source, sourcePort, to: destination, destinationPort, payload: payload, at: 0)
    }

    /// Runs the packets through a flow table and returns (state, history, reversed) of the first flow, where
    /// `reversed` says that the record's originator (Zeek's, adopted when the flow ends) is not the first packet's
    /// sender.
    static func zeek(_ packets: [PacketSummary]) -> (state: String, history: String, reversed: Bool) {
        let all = zeekFlows(packets)
        return all.first ?? ("", "", false)
    }

    /// The same for every flow the packets make (a 5-tuple reused after a close makes a new flow, as in Zeek).
    static func zeekFlows(_ packets: [PacketSummary]) -> [(state: String, history: String, reversed: Bool)] {
        let table = FlowTable()
        for packet in packets { table.add(packet) }
        guard let first = packets.first, let firstSender = FlowKey.endpoints(first)?.source else { return [] }
        return table.drain().map { flow in
            let zeek = flow.zeek
            #expect(!zeek.isReversed, "a finished record takes Zeek's roles")
            return (zeek.state, zeek.history, flow.originator != firstSender && flow.responder == firstSender)
        }
    }

    static func handshake(serverPort: UInt16 = 443) -> [PacketSummary] {
        [
            segment(client: true, .syn, seq: 100, serverPort: serverPort),
            segment(client: false, [.syn, .ack], seq: 500, ack: 101, serverPort: serverPort),
            segment(client: true, .ack, seq: 101, ack: 501, serverPort: serverPort),
        ]
    }

    // MARK: - conn_state

    @Test func aNormalConnectionIsSFWithShADadFf() {
        let packets = Self.handshake() + [
            Self.segment(client: true, [.psh, .ack], seq: 101, ack: 501, payload: 10),
            Self.segment(client: false, .ack, seq: 501, ack: 111),
            Self.segment(client: false, [.psh, .ack], seq: 501, ack: 111, payload: 20),
            Self.segment(client: true, [.fin, .ack], seq: 111, ack: 521),
            Self.segment(client: false, [.fin, .ack], seq: 521, ack: 112),
            Self.segment(client: true, .ack, seq: 112, ack: 522),
        ]
        let zeek = Self.zeek(packets)
        #expect(zeek.state == "SF")
        #expect(zeek.history == "ShADadFf")
        #expect(!zeek.reversed)
        // Decoding twice gives the same result.
        let again = Self.zeek(packets)
        #expect(again.state == zeek.state && again.history == zeek.history)
    }

    @Test func anUnansweredSYNIsS0AndARetransmittedOneIsNotRepeated() {
        let zeek = Self.zeek([Self.segment(client: true, .syn, seq: 100), Self.segment(client: true, .syn, seq: 100, at: 1)])
        #expect(zeek.state == "S0")
        #expect(zeek.history == "S")
        // A SYN at a new sequence number re-bases the endpoint (init_endpoint): still one S.
        let jumped = Self.zeek([Self.segment(client: true, .syn, seq: 100), Self.segment(client: true, .syn, seq: 9000, at: 1)])
        #expect(jumped.history == "S")
        // A new SYN after a RST is a new connection, in the flow table as in Zeek.
        let again = Self.zeekFlows([
            Self.segment(client: true, .syn, seq: 100), Self.segment(client: true, .rst, seq: 101, at: 1),
            Self.segment(client: true, .syn, seq: 9000, at: 2),
        ])
        #expect(again.map(\.history) == ["SR", "S"])
        #expect(again.map(\.state) == ["RSTOS0", "S0"])
    }

    @Test func aSYNAnsweredByRSTIsREJ() {
        let zeek = Self.zeek([
            Self.segment(client: true, .syn, seq: 100), Self.segment(client: false, [.rst, .ack], seq: 0, ack: 101),
        ])
        #expect(zeek.state == "REJ")
        #expect(zeek.history == "Sr")
    }

    @Test func resetsAfterTheHandshake() {
        let byOriginator = Self.zeek(Self.handshake() + [Self.segment(client: true, .rst, seq: 101)])
        #expect(byOriginator.state == "RSTO")
        #expect(byOriginator.history == "ShAR")
        let byResponder = Self.zeek(Self.handshake() + [Self.segment(client: false, .rst, seq: 501)])
        #expect(byResponder.state == "RSTR")
        #expect(byResponder.history == "ShAr")
        // SYN then RST from the originator, nothing from the responder.
        let synThenReset = Self.zeek([Self.segment(client: true, .syn, seq: 100), Self.segment(client: true, .rst, seq: 101)])
        #expect(synThenReset.state == "RSTOS0")
        #expect(synThenReset.history == "SR")
        // A lone RST from the server port: Zeek turns the roles round (^) and the originator never spoke.
        let loneReset = Self.zeek([Self.segment(client: false, .rst, seq: 501)])
        #expect(loneReset.state == "RSTRH")
        #expect(loneReset.history == "^r")
        // The first sender was the server; the record takes Zeek's originator, the client.
        #expect(loneReset.reversed)
    }

    @Test func halfOpenAndHalfClosedStates() {
        let established = Self.zeek(Self.handshake())
        #expect(established.state == "S1")
        #expect(established.history == "ShA")
        let synThenFIN = Self.zeek([Self.segment(client: true, .syn, seq: 100), Self.segment(client: true, [.fin, .ack], seq: 101)])
        #expect(synThenFIN.state == "SH")
        #expect(synThenFIN.history == "SF")
        let originatorClosed = Self.zeek(Self.handshake() + [Self.segment(client: true, [.fin, .ack], seq: 101, ack: 501)])
        #expect(originatorClosed.state == "S2")
        #expect(originatorClosed.history == "ShAF")
        let responderClosed = Self.zeek(Self.handshake() + [Self.segment(client: false, [.fin, .ack], seq: 501, ack: 101)])
        #expect(responderClosed.state == "S3")
        #expect(responderClosed.history == "ShAf")
        // A FIN from the server port seen alone, then the client's ACK (Teredo.pcap in Zeek's tests: SHR ^fA).
        let finOnly = Self.zeek([
            Self.segment(client: false, [.fin, .ack], seq: 501, ack: 101), Self.segment(client: true, .ack, seq: 101, ack: 502),
        ])
        #expect(finOnly.state == "SHR")
        #expect(finOnly.history == "^fA")
    }

    @Test func aConnectionSeenMidStreamIsOTH() {
        let zeek = Self.zeek([
            Self.segment(client: true, [.psh, .ack], seq: 1000, ack: 7000, payload: 100, serverPort: 9000),
            Self.segment(client: false, [.psh, .ack], seq: 7000, ack: 1100, payload: 50, serverPort: 9000),
        ])
        #expect(zeek.state == "OTH")
        #expect(zeek.history == "Dd")
    }

    // MARK: - Letters

    @Test func retransmissionsAreRecordedAtOneTenAndAHundred() {
        let data = Self.segment(client: true, [.psh, .ack], seq: 101, ack: 501, payload: 10)
        let once = Self.zeek(Self.handshake() + [data, data])
        #expect(once.history == "ShADT")
        let nine = Self.zeek(Self.handshake() + [data] + Array(repeating: data, count: 9))
        #expect(nine.history == "ShADT")
        let ten = Self.zeek(Self.handshake() + [data] + Array(repeating: data, count: 10))
        #expect(ten.history == "ShADTT")
        let hundred = Self.zeek(Self.handshake() + [data] + Array(repeating: data, count: 100))
        #expect(hundred.history == "ShADTTT")
    }

    @Test func aZeroWindowIsRecordedOnceThenLogScaled() {
        let zero = Self.segment(client: false, .ack, seq: 501, ack: 101, window: 0)
        let zeek = Self.zeek(Self.handshake() + [zero, zero])
        #expect(zeek.history == "ShAaw")
        let ten = Self.zeek(Self.handshake() + Array(repeating: zero, count: 10))
        #expect(ten.history == "ShAaww")
        // After the peer's FIN a zero window is not interesting.
        let afterFIN = Self.zeek(Self.handshake() + [Self.segment(client: true, [.fin, .ack], seq: 101, ack: 501), zero])
        #expect(afterFIN.history == "ShAFa")
    }

    @Test func dataAcknowledgedButNeverSeenIsAContentGap() {
        // The server acknowledges 10 bytes of the client's that the capture missed (Zeek: G in the client's stream).
        let zeek = Self.zeek(Self.handshake() + [Self.segment(client: false, .ack, seq: 501, ack: 111)])
        #expect(zeek.history == "ShAaG")
        // Acknowledging the FIN is not a gap.
        let fin = Self.zeek(Self.handshake() + [
            Self.segment(client: true, [.fin, .ack], seq: 101, ack: 501), Self.segment(client: false, .ack, seq: 501, ack: 102),
        ])
        #expect(fin.history == "ShAFa")
    }

    @Test func multiFlagPackets() {
        let finAndReset = Self.zeek(Self.handshake() + [Self.segment(client: true, [.fin, .rst, .ack], seq: 101, ack: 501)])
        #expect(finAndReset.history == "ShAI")
        let synAndFIN = Self.zeek([Self.segment(client: true, [.syn, .fin], seq: 100)])
        #expect(synAndFIN.history == "Q")
    }

    // MARK: - Roles

    @Test func aSYNACKFromAServerPortSeenFirstFlipsTheRoles() {
        // Zeek.missing-syn: the capture starts at the SYN-ACK from port 80.
        let zeek = Self.zeek([
            Self.segment(client: false, [.syn, .ack], seq: 500, ack: 101, serverPort: 80),
            Self.segment(client: true, .ack, seq: 101, ack: 501, serverPort: 80),
        ])
        #expect(zeek.history == "^hA")
        #expect(zeek.state == "S1")
        #expect(zeek.reversed)  // the record's originator is the client, not the first sender
    }

    @Test func aSYNAnsweringASYNACKFlipsTheRolesLate() {
        // Port 9000 is not a likely server port: Zeek keeps the SYN-ACK's sender as originator until the SYN.
        let zeek = Self.zeek([
            Self.segment(client: false, [.syn, .ack], seq: 500, ack: 101, serverPort: 9000),
            Self.segment(client: true, .syn, seq: 100, serverPort: 9000),
        ])
        #expect(zeek.history == "Hs^")
        #expect(zeek.state == "S1")
        #expect(zeek.reversed)  // the record's originator is the client, not the first sender
    }

    @Test func zeeksOriginatorCanBeTheFlowsResponder() {
        // An ACK from the server first, then the client's SYN: the flow table takes the SYN sender as originator,
        // Zeek keeps the first sender (no SYN-ACK to answer, so no flip); the finished record follows Zeek.
        let zeek = Self.zeek([
            Self.segment(client: false, .ack, seq: 500, ack: 101, serverPort: 9000),
            Self.segment(client: true, .syn, seq: 100, serverPort: 9000),
        ])
        #expect(zeek.history == "As")
        #expect(!zeek.reversed)
    }

    // MARK: - UDP and others

    @Test func udpStates() {
        let oneWay = Self.zeek([Self.datagram(client: true), Self.datagram(client: true)])
        #expect(oneWay.state == "S0")
        #expect(oneWay.history == "D")
        let twoWay = Self.zeek([Self.datagram(client: true), Self.datagram(client: false), Self.datagram(client: true)])
        #expect(twoWay.state == "SF")
        #expect(twoWay.history == "Dd")
        // First seen from a likely server port towards an unlikely one: Zeek turns the roles round.
        let reply = Self.zeek([Self.datagram(client: false)])
        #expect(reply.state == "SHR")
        #expect(reply.history == "^d")
        #expect(reply.reversed)
    }

    @Test func aNewConnectionIsOTHWithoutHistory() {
        let zeek = ZeekConnection()
        let (state, history) = (zeek.state, zeek.history)
        #expect(state == "OTH")
        #expect(history.isEmpty)
    }
}

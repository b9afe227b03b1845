import FlowTracking
import Rules
import WireFormat

/// What the assessment keeps of one finished flow: where it went, under which name and service, and its verdict.
/// A small value: the assessment never holds `Flow`s.
public struct AssessedFlow: Sendable {
    public var start: Timestamp
    public var end: Timestamp
    /// `tcp`, `udp`, ...
    public var transport: String
    public var destination: IPAddress
    public var destinationPort: UInt16
    /// The server name of the flow's ClientHello (TLS, QUIC, DTLS), if any.
    public var name: String?
    /// The catalogue service, if any.
    public var service: String?
    public var verdictID: String
    public var verdictClass: VerdictClass
    public var verdictTitle: String
    public var originatorPackets: Int
    public var responderPackets: Int
    public var responderPayloadBytes: Int

    public init(
        start: Timestamp, end: Timestamp, transport: String, destination: IPAddress, destinationPort: UInt16,
        name: String? = nil, service: String? = nil, verdictID: String, verdictClass: VerdictClass,
        verdictTitle: String = "", originatorPackets: Int = 1, responderPackets: Int = 0, responderPayloadBytes: Int = 0
    ) {
        self.start = start
        self.end = end
        self.transport = transport
        self.destination = destination
        self.destinationPort = destinationPort
        self.name = name
        self.service = service
        self.verdictID = verdictID
        self.verdictClass = verdictClass
        self.verdictTitle = verdictTitle
        self.originatorPackets = originatorPackets
        self.responderPackets = responderPackets
        self.responderPayloadBytes = responderPayloadBytes
    }

    /// A finished flow with its verdict and service.
    public init(flow: Flow, verdict: Verdict, service: String?) {
        self.init(
            start: flow.firstSeen, end: flow.lastSeen, transport: flow.key.transportProtocol.name,
            destination: flow.responder.address, destinationPort: flow.responder.port,
            name: flow.applicationFacts.clientHello?.serverName, service: service, verdictID: verdict.id,
            verdictClass: verdict.verdictClass, verdictTitle: verdict.title, originatorPackets: flow.orig.packets,
            responderPackets: flow.resp.packets, responderPayloadBytes: flow.resp.payloadBytes)
    }

    // MARK: - What the flow counts as

    /// Verdict ids that say nothing about the network: the capture missed the flow's start or end, or no rule
    /// matched. They never count as evidence either way.
    static let uninformative: Set<String> = ["capture-truncated", "unclassified"]

    /// Blocked or throttled, and not truncated: evidence of blocking.
    var isBlocking: Bool {
        (verdictClass == .blocked || verdictClass == .throttled) && !Self.uninformative.contains(verdictID)
    }

    /// Inconclusive, but a failure (an RST without injection marks, unanswered UDP to a host not seen answering).
    var isFailingInconclusive: Bool { verdictClass == .inconclusive && !Self.uninformative.contains(verdictID) }

    /// Worked: a benign verdict, and data came back. Benign flows without data (a refused port, a silent server, a
    /// client that gave up) are neutral: neither evidence of blocking nor a success, nor a control.
    var worked: Bool { verdictClass == .benign && responderPayloadBytes > 0 }

    /// The rules' `server-silent`: the request was acknowledged and never answered. Alone that is a silent server;
    /// with another name answering on the same address it is the `tls-hello-muted` pattern (the assessment decides).
    var looksMuted: Bool { verdictID == "server-silent" }

    /// Benign, but nothing came back: counted, and nothing more.
    var isNeutral: Bool { verdictClass == .benign && responderPayloadBytes == 0 }

    /// The flow's trigger as far as controls go: protocol, port and name.
    var trigger: Trigger { Trigger(transport: transport, port: destinationPort, name: name, service: service) }
}

/// What a censor could key on, coarsely: protocol, destination port and server name (plus the service, to tell a
/// service's own flows from others at the same address).
struct Trigger: Hashable, Sendable {
    var transport: String
    var port: UInt16
    var name: String?
    var service: String?

    var description: String {
        "\(transport)/\(port)" + (name.map { " \($0)" } ?? "") + (service.map { " [\($0)]" } ?? "")
    }
}

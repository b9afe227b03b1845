import WireFormat

/// What the application-layer probes learned about a flow: the trigger a censor acts on (the SNI of a TLS or
/// QUIC ClientHello, a STUN request toward a relay, a DTLS handshake) and what came back. Filled as packets
/// arrive; read when the flow is reported.
public struct ApplicationFacts: Sendable {
    /// The first ClientHello of the flow (TLS over TCP, QUIC Initial or DTLS), and where it came from.
    public var clientHello: ClientHelloInfo?
    public var clientHelloTransport: JA4.Transport?
    /// FoxIO JA4 of that ClientHello. Computed when read (once, when the flow is reported: on the writing thread
    /// with `--threads 2`), not as the packet arrives, so the packet path does not pay for it.
    public var ja4: String? {
        guard let clientHello, let clientHelloTransport else { return nil }
        return JA4.fingerprint(clientHello, transport: clientHelloTransport)
    }
    public var serverHello: ServerHelloInfo?
    /// TLS/DTLS alerts seen in cleartext, in order (at most `maximumAlerts`).
    public var alerts: [TLSAlert] = []
    public static let maximumAlerts = 8
    /// TLS records seen per direction (cleartext phase and encrypted), from the stream assemblers.
    public var tlsRecordsFromOriginator = 0
    public var tlsRecordsFromResponder = 0

    /// QUIC versions seen in long headers, in order of appearance (distinct, at most 4).
    public var quicVersions: [QUICVersion] = []
    public var quicLongHeaderPacketsFromOriginator = 0
    public var quicLongHeaderPacketsFromResponder = 0
    public var quicShortHeaderPackets = 0
    /// Client Initial packets sent before the server's first packet (all of them when the server never answered).
    public var quicInitialsBeforeReply = 0
    /// Client Initials that decrypted (RFC 9001 §5.2 keys from the client's DCID).
    public var quicInitialsDecrypted = 0

    public var stun = STUNFacts()
    public var dtlsRecords = 0
    public var rtpPacketsFromOriginator = 0
    public var rtpPacketsFromResponder = 0

    public init() {}

    mutating func swapDirections() {
        swap(&tlsRecordsFromOriginator, &tlsRecordsFromResponder)
        swap(&quicLongHeaderPacketsFromOriginator, &quicLongHeaderPacketsFromResponder)
        swap(&rtpPacketsFromOriginator, &rtpPacketsFromResponder)
    }

    /// Short names of the application protocols recognised, for reports.
    public var protocols: [String] {
        var names: [String] = []
        if clientHelloTransport == .tcp || tlsRecordsFromOriginator + tlsRecordsFromResponder > 0 { names.append("tls") }
        if !quicVersions.isEmpty { names.append("quic") }
        if dtlsRecords > 0 { names.append("dtls") }
        if stun.messages > 0 { names.append("stun") }
        if stun.channelData > 0 { names.append("turn-channel") }
        if rtpPacketsFromOriginator + rtpPacketsFromResponder > 0 { names.append("rtp") }
        return names
    }
}

/// STUN/TURN transactions of a flow (RFC 8489 §6: a request and its response share the transaction ID).
public struct STUNFacts: Hashable, Sendable {
    public var requests = 0
    public var successResponses = 0
    public var errorResponses = 0
    public var indications = 0
    /// Requests whose transaction ID was seen again (RFC 8489 §6.2.1 retransmissions).
    public var retransmissions = 0
    public var channelData = 0
    /// Messages in RFC 3489 format (no magic cookie).
    public var classic = 0
    /// Message types seen (method and class, as on the wire), in order of appearance, at most 16.
    public var messageTypes: [UInt16] = []
    /// Methods of the requests, distinct.
    public var methods: [STUNMethod] = []
    /// Attribute types seen in any message, distinct, in order of appearance (at most `maximumAttributeTypes`).
    public var attributeTypes: [UInt16] = []
    public static let maximumAttributeTypes = 32
    /// The first SOFTWARE and REALM texts seen (RFC 8489 §14.14, §14.9): they often name the service.
    public var software: String?
    public var realm: String?
    /// Transaction IDs of requests and whether a response came (bounded: `maximumTransactions`).
    var transactions: [STUNTransactionID: Bool] = [:]
    public static let maximumTransactions = 1024

    public var messages: Int { requests + successResponses + errorResponses + indications }

    mutating func record(attributeType type: UInt16) {
        if attributeTypes.count < Self.maximumAttributeTypes, !attributeTypes.contains(type) { attributeTypes.append(type) }
    }
    /// Requests (distinct transactions) that never got a response.
    public var unanswered: Int { transactions.values.filter { !$0 }.count }

    mutating func record(type: UInt16, messageClass: STUNMessageClass, method: STUNMethod, transaction: STUNTransactionID, classic: Bool) {
        if classic { self.classic += 1 }
        if messageTypes.count < 16, !messageTypes.contains(type) { messageTypes.append(type) }
        switch messageClass {
        case .request:
            requests += 1
            if !methods.contains(method) { methods.append(method) }
            if transactions[transaction] != nil {
                retransmissions += 1
            } else if transactions.count < Self.maximumTransactions {
                transactions[transaction] = false
            }
        case .successResponse, .errorResponse:
            if messageClass == .successResponse { successResponses += 1 } else { errorResponses += 1 }
            if transactions[transaction] != nil { transactions[transaction] = true }
        case .indication:
            indications += 1
        }
    }
}

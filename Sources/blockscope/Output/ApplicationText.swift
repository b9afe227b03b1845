import FlowTracking
import WireFormat

/// Names and one-line descriptions of application-layer facts, for the text report, `inspect` and JSON.
enum ApplicationText {
    /// `TLS 1.3`, `DTLS 1.2`, or hex for values without a name.
    static func version(_ value: UInt16) -> String {
        switch value {
        case 0x0304: "TLS 1.3"
        case 0x0303: "TLS 1.2"
        case 0x0302: "TLS 1.1"
        case 0x0301: "TLS 1.0"
        case 0x0300: "SSL 3.0"
        case 0xfefc: "DTLS 1.3"
        case 0xfefd: "DTLS 1.2"
        case 0xfeff: "DTLS 1.0"
        default: "0x" + String(value, radix: 16)
        }
    }

    static func transport(_ transport: JA4.Transport) -> String {
        switch transport {
        case .tcp: "TLS"
        case .quic: "QUIC"
        case .dtls: "DTLS"
        }
    }

    static func clientHello(_ hello: ClientHelloInfo, transport: JA4.Transport, ja4: String?) -> String {
        var text = "\(self.transport(transport)) ClientHello"
        text += " sni=\(hello.serverName ?? "-")"
        if !hello.alpn.isEmpty { text += " alpn=\(hello.alpn.joined(separator: ","))" }
        if let ja4 { text += " ja4=\(ja4)" }
        if hello.hasEncryptedClientHello { text += " ech" }
        return text
    }

    static func stunMessage(_ info: STUNInfo) -> String {
        var text = "STUN\(info.isClassic ? " (RFC 3489)" : "") \(info.method) \(className(info.messageClass))"
        if let error = info.errorCode { text += " error=\(error.code)" }
        if let address = info.xorMappedAddress ?? info.mappedAddress {
            text += " mapped=\(Format.endpoint(address.address, address.port))"
        }
        if let relayed = info.xorRelayedAddress { text += " relayed=\(Format.endpoint(relayed.address, relayed.port))" }
        if let software = info.software { text += " software=\"\(software)\"" }
        if let realm = info.realm { text += " realm=\"\(realm)\"" }
        if let fingerprint = info.fingerprintValid { text += fingerprint ? " fingerprint=ok" : " fingerprint=BAD" }
        return text
    }

    static func className(_ messageClass: STUNMessageClass) -> String {
        switch messageClass {
        case .request: "request"
        case .indication: "indication"
        case .successResponse: "success"
        case .errorResponse: "error"
        }
    }

    static func event(_ event: ApplicationEvent) -> String {
        switch event {
        case .clientHello(let hello, let transport, let ja4): clientHello(hello, transport: transport, ja4: ja4)
        case .serverHello(let hello):
            "ServerHello \(version(hello.version))\(hello.isHelloRetryRequest ? " (HelloRetryRequest)" : "")"
                + " cipher=0x\(String(hello.cipherSuite, radix: 16))"
        case .alert(let alert): "TLS alert \(alert.level) \(alert.description)"
        case .stun(let info): stunMessage(info)
        case .channelData: "TURN ChannelData"
        case .quic(let info):
            "QUIC \(info.version.name) \(info.packetType.map { "\($0)" } ?? "long-header")"
                + " dcid=\(info.destinationConnectionID)"
                + (info.coalescedPackets > 1 ? " +\(info.coalescedPackets - 1) coalesced" : "")
        case .rtp: "RTP/RTCP"
        }
    }

    /// The indented line under a flow in the text report (nil when nothing was recognised).
    static func flowDetail(_ facts: ApplicationFacts) -> String? {
        var parts: [String] = []
        if let hello = facts.clientHello, let transport = facts.clientHelloTransport {
            parts.append(clientHello(hello, transport: transport, ja4: facts.ja4))
        } else if facts.tlsRecordsFromOriginator + facts.tlsRecordsFromResponder > 0 {
            parts.append("TLS (no ClientHello seen)")
        }
        if let hello = facts.serverHello { parts.append("server \(version(hello.version))") }
        if !facts.alerts.isEmpty {
            parts.append("alerts: " + facts.alerts.map { "\($0.level) \($0.description)" }.joined(separator: ", "))
        }
        if !facts.quicVersions.isEmpty {
            parts.append("QUIC \(facts.quicVersions.map(\.name).joined(separator: ","))"
                + " \(facts.quicLongHeaderPacketsFromOriginator)→/\(facts.quicLongHeaderPacketsFromResponder)← long-header packets")
        }
        let stun = facts.stun
        if stun.messages > 0 {
            var text = "STUN \(stun.requests) requests, \(stun.successResponses) responses"
            if stun.errorResponses > 0 { text += ", \(stun.errorResponses) errors" }
            if stun.indications > 0 { text += ", \(stun.indications) indications" }
            text += ", \(stun.unanswered) unanswered"
            if !stun.methods.isEmpty { text += " (\(stun.methods.map(\.description).joined(separator: ",")))" }
            parts.append(text)
        }
        if stun.channelData > 0 { parts.append("TURN ChannelData \(stun.channelData)") }
        if facts.dtlsRecords > 0, facts.clientHelloTransport != .dtls { parts.append("DTLS \(facts.dtlsRecords) datagrams") }
        let rtp = facts.rtpPacketsFromOriginator + facts.rtpPacketsFromResponder
        if rtp > 0 { parts.append("RTP/RTCP \(facts.rtpPacketsFromOriginator)→/\(facts.rtpPacketsFromResponder)←") }
        return parts.isEmpty ? nil : parts.joined(separator: "; ")
    }

    /// The indented evidence line under a flow: only what a reader of a blocking report looks for first.
    static func teardownDetail(_ flow: Flow) -> String? {
        let facts = flow.teardown
        var parts: [String] = []
        if facts.synRetransmissions > 0 { parts.append("SYN sent \(facts.synRetransmissions + 1)×") }
        if let request = facts.firstRequest, request.sends > 1 || request.acknowledgedTime == nil {
            parts.append("first request sent \(request.sends)×\(request.acknowledgedTime == nil ? ", never acknowledged" : "")")
        }
        for (side, name) in [(facts.responder, "responder"), (facts.originator, "originator")] {
            guard let reset = side.resets.first else { continue }
            var text = "RST from the \(name)"
            if side.resetCount > 1 { text += " (\(side.resetCount), \(side.resetBurst) within 10 ms)" }
            if let difference = reset.timeToLiveDifference, difference != 0 {
                text += ", TTL \(reset.timeToLive) vs \(Int(reset.timeToLive) - difference) before"
            }
            if name == "responder", let delay = facts.firstResetDelayAfterRequest {
                text += ", \(Format.duration(delay)) after the first request"
            }
            parts.append(text)
        }
        let retransmitted = facts.originator.retransmittedSegments + facts.responder.retransmittedSegments
        if retransmitted > 0 { parts.append("\(retransmitted) retransmitted segments") }
        if facts.icmpErrors.count > 0, let type = facts.icmpErrors.firstType {
            parts.append("ICMP error type \(type) code \(facts.icmpErrors.firstCode ?? 0) from \(facts.icmpErrors.firstSource?.description ?? "?")")
        }
        if let silence = facts.silenceAfterLastResponderPacket, silence >= 1_000_000_000, facts.originatorPacketsAfterLastResponderPacket > 0 {
            var text = "responder silent for the last \(Format.duration(silence)) while the originator sent "
                + "\(facts.originatorPacketsAfterLastResponderPacket) more packets"
            if flow.key.transportProtocol == .tcp, facts.responderBytesBeforeStall > 0 {
                text += " (it had sent \(facts.responderBytesBeforeStall) bytes)"
            }
            parts.append(text)
        }
        if flow.resp.packets == 0, flow.orig.packets >= 2 {
            parts.append("no reply to \(flow.orig.packets) packets over \(Format.duration(flow.duration))")
        }
        return parts.isEmpty ? nil : parts.joined(separator: "; ")
    }
}

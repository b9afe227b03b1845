import FlowTracking
import Rules
import WireFormat

/// The flow-record fields rules read (docs/RULES.md lists them). Names follow the JSON record where one exists.
enum FlowFields {
    /// The round-trip estimate when no handshake was seen (research §6: 300 ms).
    static let defaultRTT = 0.3

    static func seconds(_ nanoseconds: Int64?) -> Value { nanoseconds.map { .number(Double($0) / 1e9) } ?? .null }
    static func number(_ value: Int) -> Value { .number(Double(value)) }

    static let registry: FieldRegistry<FlowContext> = {
        var registry = FieldRegistry<FlowContext>()
        var r = FlowRegistry(registry: registry)
        r.add("proto", .string, "transport protocol: tcp, udp, icmp, ...") { .string($0.key.transportProtocol.name) }
        r.add("orig_h", .address, "originator address") { .address($0.originator.address) }
        r.add("resp_h", .address, "responder address") { .address($0.responder.address) }
        r.add("orig_p", .number, "originator port (ICMP: type)") { number(Int($0.originator.port)) }
        r.add("resp_p", .number, "responder port (ICMP: counterpart type or code)") { number(Int($0.responder.port)) }
        r.add("conn_state", .string, "Zeek's conn_state") { .string($0.zeek.state) }
        r.add("history", .string, "Zeek's history letters") { .string($0.zeek.history) }
        r.add("end_reason", .string, "fin, rst-orig, rst-resp, idle-timeout, capture-end, evicted") {
            .string(($0.endReason ?? .captureEnd).rawValue)
        }
        r.add("duration", .duration, "last packet − first packet") { seconds($0.duration) }
        r.add("orig_pkts", .number, "originator packets") { number($0.orig.packets) }
        r.add("resp_pkts", .number, "responder packets") { number($0.resp.packets) }
        r.add("orig_bytes", .size, "originator payload bytes") { number($0.orig.payloadBytes) }
        r.add("resp_bytes", .size, "responder payload bytes") { number($0.resp.payloadBytes) }
        r.add("sni", .string, "server name of the first ClientHello (TLS, QUIC, DTLS)") {
            $0.applicationFacts.clientHello?.serverName.map(Value.string) ?? .null
        }
        r.add("app", .stringList, "application protocols recognised") { .stringList($0.applicationFacts.protocols) }
        r.add("rtt", .duration, "handshake RTT (SYN → SYN-ACK), or 300 ms when no handshake was seen") {
            $0.teardown.handshakeRTT.map { .number(Double($0) / 1e9) } ?? .number(defaultRTT)
        }
        r.add("syns", .number, "SYNs the originator sent") { number($0.teardown.originator.synCount) }
        r.add("synack_seen", .boolean, "a SYN-ACK came back") { .boolean($0.teardown.responder.synCount > 0) }
        r.add("request_sent", .boolean, "the originator sent data (the ClientHello for TLS)") {
            .boolean($0.teardown.firstRequest != nil)
        }
        r.add("request_sends", .number, "times the first request was sent (1 + retransmissions)") {
            number($0.teardown.firstRequest?.sends ?? 0)
        }
        r.add("request_acked", .boolean, "the responder acknowledged the first request") {
            .boolean($0.teardown.firstRequestAcknowledged)
        }
        r.add("response_delay", .duration, "first request → first responder data byte") { seconds($0.teardown.firstResponseDelay) }
        r.add("request_wait", .duration, "first request → last packet of the flow, when the responder sent no data") {
            guard let request = $0.teardown.firstRequest, $0.teardown.firstResponseDelay == nil else { return .null }
            return seconds($0.lastSeen.nanoseconds(since: request.time))
        }
        r.add("resp_out_of_order", .number, "responder segments that arrived above the next expected sequence (a hole: loss)") {
            number($0.teardown.responder.outOfOrderSegments)
        }
        r.add("orig_unacked_bytes", .size, "originator data (and FIN) the responder never acknowledged, at the end") {
            $0.teardown.originatorOutstandingBytes.map { .number(Double($0)) } ?? .null
        }
        r.add("resp_data_bytes", .size, "new payload bytes from the responder") { number($0.teardown.responder.uniquePayloadBytes) }
        r.add("resp_bytes_before_stall", .size, "responder bytes delivered before its last stall") {
            number($0.teardown.responderBytesBeforeStall)
        }
        r.add("resp_rsts", .number, "RSTs from the responder") { number($0.teardown.responder.resetCount) }
        r.add("orig_rsts", .number, "RSTs from the originator") { number($0.teardown.originator.resetCount) }
        r.add("resp_fins", .number, "FINs from the responder") { number($0.teardown.responder.finCount) }
        r.add("orig_fins", .number, "FINs from the originator") { number($0.teardown.originator.finCount) }
        r.add("resp_rst_burst", .number, "responder RSTs within 10 ms of its first") { number($0.teardown.responder.resetBurst) }
        r.add("resp_rst_ttl_difference", .number, "first responder RST's TTL − the responder's first TTL") {
            $0.teardown.responder.resets.first?.timeToLiveDifference.map { .number(Double($0)) } ?? .null
        }
        r.add("resp_rst_ttl_outside", .boolean, "the first responder RST's TTL lies outside the responder's earlier TTLs") {
            .boolean($0.teardown.responder.resets.first?.timeToLiveOutsideEarlierRange ?? false)
        }
        r.add("orig_rst_ttl_outside", .boolean, "the first originator RST's TTL lies outside the originator's earlier TTLs") {
            .boolean($0.teardown.originator.resets.first?.timeToLiveOutsideEarlierRange ?? false)
        }
        r.add("orig_rst_ip_id_unlike", .boolean, "the first originator RST's IP-ID is unlike the originator's earlier ones") {
            .boolean($0.teardown.originator.resets.first?.identificationUnlikeEarlier ?? false)
        }
        r.add("orig_rst_burst", .number, "originator RSTs within 10 ms of its first") { number($0.teardown.originator.resetBurst) }
        r.add("resp_rst_delay", .duration, "first request → first responder RST") { seconds($0.teardown.firstResetDelayAfterRequest) }
        r.add("silence_after_resp", .duration, "last responder packet → last packet of the flow") {
            seconds($0.teardown.silenceAfterLastResponderPacket)
        }
        r.add("orig_packets_after_resp", .number, "originator packets after the responder's last") {
            number($0.teardown.originatorPacketsAfterLastResponderPacket)
        }
        r.add("resp_active", .duration, "responder's last packet − its first") {
            guard let first = $0.teardown.responder.firstTime, let last = $0.teardown.responder.lastTime else { return .null }
            return seconds(last.nanoseconds(since: first))
        }
        r.add("orig_retransmissions", .number, "originator retransmitted segments") {
            number($0.teardown.originator.retransmittedSegments)
        }
        r.add("resp_retransmissions", .number, "responder retransmitted segments") {
            number($0.teardown.responder.retransmittedSegments)
        }
        r.add("resp_goodput", .number, "responder goodput, bits per second") {
            $0.teardown.responder.goodputBitsPerSecond.map(Value.number) ?? .null
        }
        r.add("resp_rate_windows", .number, "complete 1-second windows of responder data") { number($0.teardown.responder.rate.windows) }
        r.add("resp_rate_cv", .number, "coefficient of variation of responder bytes per second (first window left out)") {
            $0.teardown.responder.rate.steadyCoefficientOfVariation.map(Value.number) ?? .null
        }
        r.add("icmp_errors", .number, "ICMP errors quoting this flow") { number($0.teardown.icmpErrors.count) }
        r.add("quic_initials_before_reply", .number, "client QUIC Initials before the server's first packet") {
            number($0.applicationFacts.quicInitialsBeforeReply)
        }
        r.add("stun_requests", .number, "STUN requests") { number($0.applicationFacts.stun.requests) }
        r.add("stun_responses", .number, "STUN responses (success and error)") {
            number($0.applicationFacts.stun.successResponses + $0.applicationFacts.stun.errorResponses)
        }
        r.add("stun_unanswered", .number, "STUN request transactions never answered") { number($0.applicationFacts.stun.unanswered) }
        r.add("rtp_orig", .number, "RTP/RTCP packets from the originator") { number($0.applicationFacts.rtpPacketsFromOriginator) }
        r.add("rtp_resp", .number, "RTP/RTCP packets from the responder") { number($0.applicationFacts.rtpPacketsFromResponder) }
        registry = r.registry
        registry.add("resp_host_answered", .boolean, "the responder's address answered in another flow seen before this one ended (a same-host control)") {
            .boolean($0.responderAnsweredElsewhere)
        }
        registry.add("service", .string, "the flow's service from the catalogue (docs/SERVICES.md), or null") {
            $0.service.map { .string($0.name) } ?? .null
        }
        registry.add("service_role", .string, "what the flow is to its service (push, signalling, relay, media, web, ...), or null") {
            $0.service?.role.map(Value.string) ?? .null
        }
        registry.add("resp_host_answered_ago", .duration, "first packet of this flow − the responder address's latest answer in another flow (0 when that came later), or null when it never answered") {
            guard let last = $0.responderLastAnswered else { return .null }
            return seconds(max(0, $0.flow.firstSeen.nanoseconds(since: last)))
        }
        registry.add("resp_local", .boolean, "the responder's address is loopback, private (RFC 1918), shared (RFC 6598), link-local or unique-local: no censor sits on that path") {
            .boolean(isLocal($0.flow.responder.address))
        }
        registry.add("client_hello", .boolean, "a TLS, QUIC or DTLS ClientHello was seen in this flow") {
            .boolean($0.flow.applicationFacts.clientHello != nil)
        }
        registry.add("resp_rst_ip_id_unlike", .boolean, "the first responder RST's IP-ID is unlike the responder's earlier ones") {
            .boolean($0.flow.teardown.responder.resets.first?.identificationUnlikeEarlier ?? false)
        }
        return registry
    }()

    /// Loopback, private (RFC 1918), shared (RFC 6598), link-local (RFC 3927, RFC 4291) and unique-local
    /// (RFC 4193) addresses, and the unspecified ones; IPv4-mapped IPv6 addresses by their IPv4 part.
    static func isLocal(_ address: IPAddress) -> Bool {
        let mapped = address.isIPv6 && address.high == 0 && address.low >> 32 == 0xFFFF
        if !address.isIPv6 || mapped {
            let v = UInt32(truncatingIfNeeded: address.low)
            return v >> 24 == 10 || v >> 24 == 127 || v >> 24 == 0 || v >> 20 == 0xAC1 || v >> 16 == 0xC0A8
                || v >> 16 == 0xA9FE || v >> 22 == 0x191
        }
        return (address.high == 0 && address.low <= 1) || address.high >> 54 == 0x3FA || address.high >> 57 == 0x7E
    }

    /// Registers fields read from the flow alone.
    struct FlowRegistry {
        var registry: FieldRegistry<FlowContext>
        mutating func add(_ name: String, _ type: ValueType, _ documentation: String, _ read: @escaping @Sendable (Flow) -> Value) {
            registry.add(name, type, documentation) { read($0.flow) }
        }
    }
}

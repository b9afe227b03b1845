import WireFormat

/// The facts of how a flow lived and died that blocking detection judges (DESIGN.md's verdict taxonomy,
/// blocking-taxonomy §2, §3 and §6): per direction counts, times, TTLs, TCP sequence-space analysis and the
/// RSTs/FINs with their injection evidence (`originator`, `responder`), and the per-flow milestones derived
/// from them (handshake RTT, ClientHello fate, stall, silences, goodput) as computed properties.
///
/// Client vantage: the originator is the client. Units: durations are nanoseconds (`Int64`), instants are
/// packet `Timestamp`s, sizes are bytes (`Int`). Time is packet time only. State is fixed-size per flow.
public struct TeardownFacts: Hashable, Sendable {
    /// What the originator (client) sent.
    public internal(set) var originator = TeardownDirection()
    /// What the responder (server) sent.
    public internal(set) var responder = TeardownDirection()
    /// ICMP errors attributed to the flow (filled by `recordICMPError`).
    public internal(set) var icmpErrors = TeardownICMPErrors()

    public init() {}

    /// Records one packet of the flow, sent by the originator when `fromOriginator`.
    mutating func record(_ summary: PacketSummary, fromOriginator: Bool) {
        if fromOriginator {
            originator.record(summary, other: &responder, fromOriginator: true)
        } else {
            responder.record(summary, other: &originator, fromOriginator: false)
        }
    }

    /// Called when the flow's originator and responder turn out to be the other way round (a late SYN).
    mutating func swapDirections() {
        swap(&originator, &responder)
    }

    /// Attributes an ICMP / ICMPv6 error message (its dissected summary) to this flow. Non-error ICMP messages
    /// are ignored.
    public mutating func recordICMPError(_ summary: PacketSummary) {
        guard let icmp = summary.icmp, icmp.isError else { return }
        icmpErrors.count += 1
        guard icmpErrors.count == 1 else { return }
        icmpErrors.firstTime = summary.timestamp
        icmpErrors.firstVersion = icmp.version
        icmpErrors.firstType = icmp.type
        icmpErrors.firstCode = icmp.code
        icmpErrors.firstSource = summary.network?.source
        icmpErrors.firstTimeToLive = summary.network?.timeToLive
    }

    // MARK: - Handshake

    /// SYN retransmissions by the originator (SYNs sent minus one; 0 when none was sent).
    public var synRetransmissions: Int { max(0, originator.synCount - 1) }

    /// Handshake RTT at the client: first SYN to first SYN-ACK, in nanoseconds; nil without both.
    public var handshakeRTT: Int64? {
        guard let syn = originator.firstSYNTime, let synACK = responder.firstSYNACKTime else { return nil }
        return synACK.nanoseconds(since: syn)
    }

    /// First SYN-ACK to the originator's handshake ACK, in nanoseconds (the RTT at a server vantage); nil
    /// without both.
    public var synACKToACK: Int64? {
        guard let synACK = responder.firstSYNACKTime, let ack = originator.firstHandshakeACKTime else { return nil }
        return ack.nanoseconds(since: synACK)
    }

    // MARK: - First request (the ClientHello for TLS)

    /// The originator's first data segment (time, length, sends, when acknowledged); nil if it sent no data.
    public var firstRequest: TeardownDirection.FirstData? { originator.firstData }

    /// Retransmissions of the originator's first data segment (sends minus one).
    public var firstRequestRetransmissions: Int { max(0, (originator.firstData?.sends ?? 1) - 1) }

    /// The responder acknowledged the whole first data segment.
    public var firstRequestAcknowledged: Bool { originator.firstData?.acknowledgedTime != nil }

    /// From the originator's first data segment to the responder's first data byte, in nanoseconds; nil
    /// without both.
    public var firstResponseDelay: Int64? {
        guard let request = originator.firstData?.time, let response = responder.firstDataTime else { return nil }
        return response.nanoseconds(since: request)
    }

    /// From the originator's first data segment to the responder's first RST, in nanoseconds; nil without both.
    public var firstResetDelayAfterRequest: Int64? {
        guard let request = originator.firstData?.time, let reset = responder.resets.first?.time else { return nil }
        return reset.nanoseconds(since: request)
    }

    // MARK: - Stall and silences

    /// Server→client (responder→originator) unique payload bytes delivered before the last stall: the
    /// responder's sequence space at its last progress (the freeze offset for `tcp-freeze`).
    public var responderBytesBeforeStall: Int { responder.uniquePayloadBytes }

    /// Last packet of the flow (either side).
    public var lastTime: Timestamp? {
        switch (originator.lastTime, responder.lastTime) {
        case (let a?, let b?): max(a, b)
        case (let a?, nil): a
        case (nil, let b?): b
        case (nil, nil): nil
        }
    }

    /// Silence at the end: the responder's last packet to the flow's last packet, in nanoseconds (0 when the
    /// responder spoke last); nil when the responder never sent. For UDP, how long inbound was silent while
    /// outbound went on.
    public var silenceAfterLastResponderPacket: Int64? {
        guard let last = responder.lastTime, let end = lastTime else { return nil }
        return end.nanoseconds(since: last)
    }

    /// Silence since the responder's last new data byte (its last progress) to the flow's last packet, in
    /// nanoseconds; nil when the responder sent no data.
    public var silenceAfterResponderProgress: Int64? {
        guard let progress = responder.lastProgressTime, let end = lastTime else { return nil }
        return end.nanoseconds(since: progress)
    }

    /// Longest silence of the responder while the originator still sent or waited: the largest gap between
    /// responder packets during which the originator sent something, or the silence at the end, in nanoseconds.
    public var longestResponderSilence: Int64 {
        max(responder.largestGapWhileOtherSent, silenceAfterLastResponderPacket ?? 0)
    }

    /// Longest silence of the originator while the responder still sent or waited, in nanoseconds.
    public var longestOriginatorSilence: Int64 {
        let end: Int64 =
            if let last = originator.lastTime, let flowEnd = lastTime { flowEnd.nanoseconds(since: last) } else { 0 }
        return max(originator.largestGapWhileOtherSent, end)
    }

    /// Originator packets after the responder's last packet (unanswered client packets; for UDP, outbound
    /// datagrams after the last inbound one).
    public var originatorPacketsAfterLastResponderPacket: Int { originator.packetsAfterOtherLastPacket }

    /// Bytes the originator sent that the responder has not acknowledged at the end.
    public var originatorOutstandingBytes: Int? { originator.outstandingBytes(acknowledgedBy: responder) }

    /// Bytes the responder sent that the originator has not acknowledged at the end.
    public var responderOutstandingBytes: Int? { responder.outstandingBytes(acknowledgedBy: originator) }
}

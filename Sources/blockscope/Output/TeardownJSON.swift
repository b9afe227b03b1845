import FlowTracking
import WireFormat

/// The `teardown` object of a flow record: how the flow lived and died (docs/FLOW-RECORD.md lists every field).
/// Written in place into the flow's line (`JSONLine.object`), nested objects included.
enum TeardownJSON {
    static func write(_ facts: TeardownFacts, isTCP: Bool, to line: inout JSONLine) {
        if isTCP {
            line.add("handshake_rtt", seconds: facts.handshakeRTT)
            line.add("syn_retransmissions", facts.synRetransmissions)
            line.object("first_request", facts.firstRequest) { request, first in
                request.add("ts", epoch: first.time.seconds, subsecond: first.time.subsecondNanoseconds)
                request.add("length", first.length)
                request.add("sends", first.sends)
                request.add("acked", first.acknowledgedTime != nil)
            }
            line.add("first_response_delay", seconds: facts.firstResponseDelay)
            line.add("rst_delay_after_request", seconds: facts.firstResetDelayAfterRequest)
            line.add("resp_bytes_before_stall", facts.responderBytesBeforeStall)
            line.add("orig_outstanding_bytes", facts.originatorOutstandingBytes)
            line.add("resp_outstanding_bytes", facts.responderOutstandingBytes)
        }
        line.add("silence_after_last_resp_packet", seconds: facts.silenceAfterLastResponderPacket)
        line.add("longest_resp_silence", seconds: facts.longestResponderSilence)
        line.add("longest_orig_silence", seconds: facts.longestOriginatorSilence)
        line.add("orig_packets_after_last_resp", facts.originatorPacketsAfterLastResponderPacket)
        line.object("orig") { direction(facts.originator, isTCP: isTCP, to: &$0) }
        line.object("resp") { direction(facts.responder, isTCP: isTCP, to: &$0) }
        line.object("icmp_errors") { icmp in
            let errors = facts.icmpErrors
            icmp.add("count", errors.count)
            icmp.add("first_type", errors.firstType.map { Int($0) })
            icmp.add("first_code", errors.firstCode.map { Int($0) })
            icmp.add("first_source", errors.firstSource?.description)
            icmp.add("first_ttl", errors.firstTimeToLive.map { Int($0) })
        }
    }

    static func direction(_ side: TeardownDirection, isTCP: Bool, to line: inout JSONLine) {
        line.add("ttl_first", side.firstTimeToLive.map { Int($0) })
        line.add("ttl_min", side.minimumTimeToLive.map { Int($0) })
        line.add("ttl_max", side.maximumTimeToLive.map { Int($0) })
        line.add("largest_gap", seconds: side.largestGap)
        line.add("goodput_bps", side.goodputBitsPerSecond, places: 0)
        line.add("rate_windows", side.rate.windows)
        line.add("rate_steady_mean_bytes", side.rate.steadyMeanBytesPerWindow, places: 1)
        line.add("rate_steady_cv", side.rate.steadyCoefficientOfVariation, places: 3)
        guard isTCP else { return }
        line.add("syns", side.synCount)
        line.add("unique_payload_bytes", side.uniquePayloadBytes)
        line.add("retransmitted_segments", side.retransmittedSegments)
        line.add("retransmitted_bytes", side.retransmittedBytes)
        line.add("out_of_order", side.outOfOrderSegments)
        line.add("dup_acks", side.duplicateACKs)
        line.add("zero_windows", side.zeroWindowAdvertisements)
        line.add("fins", side.finCount)
        line.add("rsts", side.resetCount)
        line.add("rst_burst", side.resetBurst)
        line.object("first_rst", side.resets.first) { signal($1, to: &$0) }
    }

    static func signal(_ signal: TeardownSignal, to line: inout JSONLine) {
        line.add("ts", epoch: signal.time.seconds, subsecond: signal.time.subsecondNanoseconds)
        line.add("ttl", Int(signal.timeToLive))
        line.add("ttl_difference", signal.timeToLiveDifference)
        line.add("ttl_outside_earlier", signal.timeToLiveOutsideEarlierRange)
        line.add("ip_id", Int(signal.identification))
        line.add("ip_id_unlike_earlier", signal.identificationUnlikeEarlier)
        line.add("window", Int(signal.window))
        line.add("seq_fits", signal.sequenceFits)
        line.add("ack_fits", signal.acknowledgmentFits)
        line.add("since_other_side", seconds: signal.sinceOtherSideLastPacket)
    }
}

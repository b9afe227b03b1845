import FlowTracking
import WireFormat

/// The `teardown` object of a flow record: how the flow lived and died (docs/FLOW-RECORD.md lists every field).
enum TeardownJSON {
    static func object(_ facts: TeardownFacts, isTCP: Bool) -> JSONLine {
        var line = JSONLine()
        if isTCP {
            line.add("handshake_rtt", seconds: facts.handshakeRTT)
            line.add("syn_retransmissions", facts.synRetransmissions)
            line.add("first_request", object: facts.firstRequest.map { first in
                var request = JSONLine()
                request.add("ts", epoch: first.time.seconds, subsecond: first.time.subsecondNanoseconds)
                request.add("length", first.length)
                request.add("sends", first.sends)
                request.add("acked", first.acknowledgedTime != nil)
                return request
            })
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
        line.add("orig", object: direction(facts.originator, isTCP: isTCP))
        line.add("resp", object: direction(facts.responder, isTCP: isTCP))
        var icmp = JSONLine()
        icmp.add("count", facts.icmpErrors.count)
        icmp.add("first_type", facts.icmpErrors.firstType.map { Int($0) })
        icmp.add("first_code", facts.icmpErrors.firstCode.map { Int($0) })
        icmp.add("first_source", facts.icmpErrors.firstSource?.description)
        icmp.add("first_ttl", facts.icmpErrors.firstTimeToLive.map { Int($0) })
        line.add("icmp_errors", object: icmp)
        return line
    }

    static func direction(_ side: TeardownDirection, isTCP: Bool) -> JSONLine {
        var line = JSONLine()
        line.add("ttl_first", side.firstTimeToLive.map { Int($0) })
        line.add("ttl_min", side.minimumTimeToLive.map { Int($0) })
        line.add("ttl_max", side.maximumTimeToLive.map { Int($0) })
        line.add("largest_gap", seconds: side.largestGap)
        line.add("goodput_bps", side.goodputBitsPerSecond, places: 0)
        line.add("rate_windows", side.rate.windows)
        line.add("rate_steady_mean_bytes", side.rate.steadyMeanBytesPerWindow, places: 1)
        line.add("rate_steady_cv", side.rate.steadyCoefficientOfVariation, places: 3)
        guard isTCP else { return line }
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
        line.add("first_rst", object: side.resets.first.map(signal))
        return line
    }

    static func signal(_ signal: TeardownSignal) -> JSONLine {
        var line = JSONLine()
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
        return line
    }
}

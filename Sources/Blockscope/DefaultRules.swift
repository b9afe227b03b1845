/// The built-in rules (`blockscope rules show` prints them; `--rules FILE` extends or replaces them by id).
public enum DefaultRules {
    public static let file = "<built-in rules>"
    public static let yaml = """
# Blockscope's default rules (blocking taxonomy of DESIGN.md; numbers from research/blocking-taxonomy.md §6).
# The first rule whose `when` holds decides a flow's verdict; the last one matches everything.
# Unanswered UDP (STUN, QUIC, media) is only called blocked when the same host answered in another flow within
# the ten minutes before (resp_host_answered_ago): one-way captures, asymmetric routes and dead hosts look
# unanswered too, and an answer days earlier says nothing about the host now.
# Silence is never called blocking when the responder is a loopback, private or link-local address (resp_local):
# no censor sits between neighbours.
rules:
  # Never call a flow blocked when the capture missed its start.
  - id: capture-truncated
    title: The capture missed the start of this TCP connection
    class: inconclusive
    confidence: high
    when: proto == "tcp" and syns == 0 and not synack_seen

  - id: tcp-syn-rst-injected
    title: The SYN was answered by a burst of RSTs, as injectors send them
    class: blocked
    confidence: medium
    when: conn_state == "REJ" and resp_rst_burst >= 2

  - id: tcp-refused
    title: The server refused the connection (its own RST to the SYN)
    class: benign
    confidence: high
    when: conn_state == "REJ"

  - id: tcp-syn-timeout
    title: SYN retransmitted with no SYN-ACK, RST or ICMP error
    class: blocked
    confidence: medium
    when: >-
      proto == "tcp" and syns >= 3 and not synack_seen and resp_pkts == 0 and duration >= 3s and icmp_errors == 0
      and not resp_local

  - id: tls-hello-rst
    title: RST right after the ClientHello, with the marks of injection (TTL, timing or burst)
    class: blocked
    confidence: high
    when: >-
      request_sent and resp_rsts >= 1 and resp_data_bytes == 0B
      and (resp_rst_ttl_outside or resp_rst_burst >= 2 or resp_rst_delay < rtt / 2)

  - id: tls-hello-rst-unconfirmed
    verdict: tls-hello-rst
    title: RST right after the ClientHello, without signs of injection (a server can do this too)
    class: inconclusive
    confidence: low
    when: request_sent and resp_rsts >= 1 and resp_data_bytes == 0B

  - id: tls-hello-timeout
    title: The ClientHello was retransmitted and never acknowledged
    class: blocked
    confidence: medium
    when: >-
      request_sent and not request_acked and request_sends >= 3 and resp_data_bytes == 0B
      and silence_after_resp >= max(1s, 5 * rtt) and not resp_local

  - id: tls-hello-fin
    title: The responder closed the connection right after the ClientHello, without a ServerHello
    class: blocked
    confidence: low
    when: client_hello and request_sent and resp_fins >= 1 and resp_data_bytes == 0B and resp_rsts == 0

  # ClientHello acknowledged, then silence: blocking (tls-hello-muted) cannot be told from a silent server
  # without a control to the same server; the service assessment does that.
  - id: server-silent
    title: The server acknowledged the request and never answered
    class: benign
    confidence: low
    when: request_sent and request_acked and resp_data_bytes == 0B and request_wait >= max(2s, 8 * rtt)

  - id: tcp-freeze
    title: Server data stopped after 8–32 KiB and never resumed while the client waited
    class: blocked
    confidence: medium
    when: >-
      proto == "tcp" and resp_bytes_before_stall >= 8KiB and resp_bytes_before_stall <= 32KiB
      and resp_fins == 0 and resp_rsts == 0
      and silence_after_resp >= max(3s, 10 * rtt) and orig_packets_after_resp >= 1 and orig_unacked_bytes > 0B
      and not resp_local

  - id: tcp-midstream-rst
    title: RST in the middle of the transfer, with the marks of injection
    class: blocked
    confidence: medium
    # Mid-stream, one mark is not enough: CDNs and load balancers answer from stacks with other TTLs.
    when: >-
      resp_rsts >= 1 and resp_data_bytes > 0B and resp_fins == 0 and resp_rst_ttl_outside
      and (resp_rst_burst >= 2 or resp_rst_ip_id_unlike)

  # Seen from the server's side (or a tap in between): a RST "from the client" that the client did not send.
  - id: tcp-rst-injected-toward-server
    verdict: tcp-midstream-rst
    title: A RST toward the server, in the client's name, with the marks of injection (TTL and IP-ID)
    class: blocked
    confidence: medium
    when: request_sent and orig_rsts >= 1 and orig_rst_ttl_outside and (orig_rst_ip_id_unlike or orig_rst_burst >= 2)

  - id: throttled-policer
    title: Goodput held flat at about 100–200 kbit/s with losses
    class: throttled
    confidence: medium
    when: >-
      proto == "tcp" and resp_goodput >= 100000 and resp_goodput <= 200000 and resp_rate_windows >= 5
      and resp_rate_cv < 0.3 and resp_retransmissions >= 1

  - id: quic-initial-timeout
    title: QUIC Initials repeated with no answer from the server
    class: blocked
    confidence: medium
    when: >-
      quic_initials_before_reply >= 2 and resp_pkts == 0 and duration >= 1s and resp_host_answered_ago <= 10min
      and not resp_local

  - id: stun-unanswered
    title: STUN requests repeated with no response
    class: blocked
    confidence: medium
    when: >-
      stun_requests >= 3 and stun_responses == 0 and resp_pkts == 0 and duration >= 2s
      and resp_host_answered_ago <= 10min and not resp_local

  - id: stun-unanswered-unconfirmed
    verdict: stun-unanswered
    title: STUN requests repeated with no response, and no sign the host answers anything else now
    class: inconclusive
    confidence: low
    when: stun_requests >= 3 and stun_responses == 0 and resp_pkts == 0 and duration >= 2s

  - id: quic-initial-timeout-unconfirmed
    verdict: quic-initial-timeout
    title: QUIC Initials repeated with no answer, and no sign the host answers anything else now
    class: inconclusive
    confidence: low
    when: quic_initials_before_reply >= 2 and resp_pkts == 0 and duration >= 1s

  - id: udp-media-cutoff
    title: Two-way media, then nothing inbound while outbound went on
    class: blocked
    confidence: medium
    when: >-
      rtp_orig > 0 and rtp_resp > 0 and resp_active >= 1s and silence_after_resp >= 3s
      and orig_packets_after_resp >= 10 and not resp_local

  - id: udp-unanswered
    title: Datagrams sent for seconds, nothing came back
    class: blocked
    confidence: low
    when: >-
      proto == "udp" and resp_pkts == 0 and orig_pkts >= 4 and duration >= 3s and stun_requests == 0
      and quic_initials_before_reply == 0 and resp_host_answered_ago <= 10min and not resp_local

  - id: udp-unanswered-unconfirmed
    verdict: udp-unanswered
    title: Datagrams sent for seconds, nothing came back, and no sign the host answers anything else now
    class: inconclusive
    confidence: low
    when: >-
      proto == "udp" and resp_pkts == 0 and orig_pkts >= 4 and duration >= 3s and stun_requests == 0
      and quic_initials_before_reply == 0

  - id: lossy-but-completed
    title: Completed despite losses (holes in the server's data, filled by retransmissions)
    class: benign
    confidence: high
    # However it closed (a client with all its bytes may reset instead of waiting for the server's retransmitted FIN).
    when: resp_data_bytes > 0B and resp_out_of_order >= 3 and resp_retransmissions >= 3

  - id: completed
    title: Completed normally
    class: benign
    confidence: high
    when: (proto == "tcp" and resp_data_bytes > 0B) or (proto != "tcp" and resp_pkts > 0)

  - id: client-abort
    title: The client reset the connection
    class: benign
    confidence: medium
    when: orig_rsts >= 1

  - id: unclassified
    title: No rule matched
    class: inconclusive
    confidence: low
    when: true
"""
}

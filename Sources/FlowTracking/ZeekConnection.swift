import WireFormat

/// Zeek's view of a connection: `conn_state` and the `history` string, computed as Zeek computes them.
///
/// TCP follows Zeek's `TCPSessionAdapter::Process` (src/packet_analysis/protocol/tcp/TCPSessionAdapter.cc): a
/// per-endpoint state machine (`TCP_ENDPOINT_INACTIVE`, `SYN_SENT`, `SYN_ACK_SENT`, `PARTIAL`, `ESTABLISHED`,
/// `CLOSED`, `RESET`), `update_history` for the letters, `update_window` for zero windows, `update_last_seq` for
/// retransmissions and the reassembler's acknowledgement of unseen data for content gaps. `conn_state` is the
/// function of both endpoint states in `scripts/base/protocols/conn/main.zeek`. UDP follows `UDPAnalyzer`: `D`/`d`
/// once per direction, `S0`/`SF`/`SHR`. Other protocols are `OTH` with an empty history.
///
/// History letters (originator upper case, responder lower case):
///
/// ```
///  S  SYN without ACK          H  SYN-ACK                A  pure ACK           D  packet with payload
///  F  FIN                      R  RST                    I  FIN and RST        Q  other multi-flag packet
///  T  retransmission (log)     W  zero window (log)      G  content gap (log)  ^  roles flipped
/// ```
///
/// Letters are recorded once per direction, except a SYN, FIN or RST at a new sequence number (recorded again) and
/// the "(log)" letters, recorded at the 1st, 10th, 100th, ... occurrence (`Connection::ScaledHistoryEntry`).
///
/// Zeek's originator may differ from the flow's: Zeek takes the first packet's sender unless that packet is not a
/// plain SYN and comes from a likely server port (`WantConnection`), and flips roles when a SYN answers a SYN-ACK.
/// `isReversed` tells when Zeek's originator is the flow's responder; `history` and `state` are in Zeek's roles.
///
/// Deviations: TCP checksums are not verified (no `C`/`c`, and Zeek drops such packets while we count them); the
/// likely server ports are a fixed list of the ports Zeek's base scripts register (`likely_server_ports` depends
/// on the scripts loaded); a gap is acknowledged data beyond the highest byte seen (holes inside what was seen are
/// not tracked); a 5-tuple reused after a close stays one connection (Zeek starts a new one).
public struct ZeekConnection: Sendable {
    /// Zeek's `TCP_ENDPOINT_*` states.
    public enum EndpointState: String, Hashable, Sendable {
        case inactive, synSent, synAckSent, partial, established, closed, reset
    }

    private enum Transport: Sendable { case none, tcp, udp, other }

    private var transport = Transport.none
    /// The side that sent the first packet is the flow's originator (toggled by `swapDirections`).
    private var firstIsFlowOriginator = true
    /// Zeek's originator is the side that sent the first packet (toggled by Zeek's role flips).
    private var originatorIsFirst = true
    private var first = Endpoint()
    private var second = Endpoint()
    /// Zeek's `hist_seen`: originator bits low, responder bits shifted by 16 (not swapped by a flip, as in Zeek).
    private var seen: UInt32 = 0
    public private(set) var history = ""

    public init() {}

    // MARK: - Public view

    /// Zeek's originator is the flow's responder.
    public var isReversed: Bool { originatorIsFirst != firstIsFlowOriginator }

    /// Zeek's originator endpoint state (TCP).
    public var originatorState: EndpointState { originatorIsFirst ? first.state : second.state }
    /// Zeek's responder endpoint state (TCP).
    public var responderState: EndpointState { originatorIsFirst ? second.state : first.state }

    /// Zeek's `conn_state` for the connection as seen so far.
    public var state: String {
        switch transport {
        case .tcp: return tcpState
        case .udp:
            let (origActive, respActive) = originatorIsFirst ? (first.active, second.active) : (second.active, first.active)
            if origActive { return respActive ? "SF" : "S0" }
            return respActive ? "SHR" : "OTH"
        case .none, .other: return "OTH"
        }
    }

    private var tcpState: String {
        let (orig, resp) = originatorIsFirst ? (first, second) : (second, first)
        let os = orig.state
        let rs = resp.state
        let originatorInactive = os == .inactive || os == .partial
        let responderInactive = rs == .inactive || rs == .partial
        if rs == .reset {
            if os == .synSent || os == .synAckSent || (os == .reset && orig.size(peer: resp) == 0 && resp.size(peer: orig) == 0) {
                return "REJ"
            }
            return originatorInactive ? "RSTRH" : "RSTR"
        }
        if os == .reset {
            if responderInactive { return Self.looksLikeSYNThenRST(history) ? "RSTOS0" : "OTH" }
            return "RSTO"
        }
        if rs == .closed && os == .closed { return "SF" }
        if os == .closed { return responderInactive ? "SH" : "S2" }
        if rs == .closed { return originatorInactive ? "SHR" : "S3" }
        if os == .synSent && rs == .inactive { return "S0" }
        if os == .established && rs == .established { return "S1" }
        return "OTH"
    }

    /// Zeek's `/\^?S[^HAFGIQ]*R.*/` over the whole history.
    static func looksLikeSYNThenRST(_ history: String) -> Bool {
        var letters = Substring(history)
        if letters.first == "^" { letters = letters.dropFirst() }
        guard letters.first == "S" else { return false }
        for letter in letters.dropFirst() {
            if letter == "R" { return true }
            if "HAFGIQ".contains(letter) { return false }
        }
        return false
    }

    // MARK: - Recording

    /// Records one packet of the flow, sent by the originator when `fromOriginator`.
    mutating func record(_ summary: PacketSummary, fromOriginator: Bool) {
        let isFirstPacket = transport == .none
        let senderIsFirst = isFirstPacket || fromOriginator == firstIsFlowOriginator
        if isFirstPacket { firstIsFlowOriginator = fromOriginator }
        switch summary.transport {
        case .tcp(let tcp):
            if isFirstPacket {
                transport = .tcp
                let partial = !tcp.flags.contains(.syn) || tcp.flags.contains(.ack)
                if partial && Self.tcpFlipsAtStart(source: tcp.sourcePort, destination: tcp.destinationPort, syn: tcp.flags.contains(.syn)) {
                    flipRoles()
                }
            }
            guard transport == .tcp else { return }
            recordTCP(tcp, payloadLength: summary.payload.length, senderIsFirst: senderIsFirst)
        case .udp(let udp):
            if isFirstPacket {
                transport = .udp
                if Self.likelyUDPServerPorts.contains(udp.sourcePort) && !Self.likelyUDPServerPorts.contains(udp.destinationPort) {
                    flipRoles()
                }
            }
            guard transport == .udp else { return }
            if senderIsFirst { first.active = true } else { second.active = true }
            checkHistory(0x10, "D", isOriginator: senderIsFirst == originatorIsFirst)
        default:
            if isFirstPacket { transport = .other }
        }
    }

    /// Called when the flow's originator and responder turn out to be the other way round (a late SYN).
    mutating func swapDirections() {
        firstIsFlowOriginator.toggle()
    }

    /// `TCPAnalyzer::WantConnection`: a connection not opened by a plain SYN is turned round when its first packet
    /// comes from a likely server port (when both ports are, only for a non-SYN packet towards a higher port).
    static func tcpFlipsAtStart(source: UInt16, destination: UInt16, syn: Bool) -> Bool {
        guard likelyTCPServerPorts.contains(source) else { return false }
        if likelyTCPServerPorts.contains(destination) { return !syn && source < destination }
        return true
    }

    /// `Connection::FlipRoles`: the roles swap and `^` is recorded.
    private mutating func flipRoles() {
        originatorIsFirst.toggle()
        history.append("^")
    }

    // MARK: - History

    /// `Connection::CheckHistory`: records `code` the first time `mask` is seen in this direction; true when it had
    /// been seen already.
    @discardableResult
    private mutating func checkHistory(_ mask: UInt32, _ code: Character, isOriginator: Bool) -> Bool {
        let bit = isOriginator ? mask : mask << 16
        if seen & bit != 0 { return true }
        seen |= bit
        addHistory(code, isOriginator: isOriginator)
        return false
    }

    private mutating func addHistory(_ code: Character, isOriginator: Bool) {
        history.append(isOriginator ? code : Character(code.lowercased()))
    }

    /// `Connection::ScaledHistoryEntry` with base 10: the letter at the 1st, 10th, 100th, ... occurrence.
    private mutating func scaledHistory(_ code: Character, _ counter: inout ScaledCounter, isOriginator: Bool) {
        counter.count &+= 1
        guard counter.count == counter.threshold else { return }
        addHistory(code, isOriginator: isOriginator)
        if counter.threshold > UInt32.max / 10 { counter.count = 0 } else { counter.threshold *= 10 }
    }

    private enum Mask {
        static let syn: UInt32 = 0x1
        static let fin: UInt32 = 0x2
        static let rst: UInt32 = 0x4
        static let finRST: UInt32 = 0x8
        static let data: UInt32 = 0x10
        static let ack: UInt32 = 0x20
        static let multiFlag: UInt32 = 0x40
    }

    // MARK: - TCP

    private mutating func recordTCP(_ tcp: TCPHeader, payloadLength: Int, senderIsFirst: Bool) {
        var endpoint = senderIsFirst ? first : second
        var peer = senderIsFirst ? second : first
        process(tcp, length: payloadLength, senderIsFirst: senderIsFirst, endpoint: &endpoint, peer: &peer)
        if senderIsFirst {
            first = endpoint
            second = peer
        } else {
            first = peer
            second = endpoint
        }
    }

    /// `TCPSessionAdapter::Process`, for what `conn_state` and `history` need.
    private mutating func process(
        _ tcp: TCPHeader, length: Int, senderIsFirst: Bool, endpoint: inout Endpoint, peer: inout Endpoint
    ) {
        let flags = tcp.flags
        let syn = flags.contains(.syn), fin = flags.contains(.fin), rst = flags.contains(.rst), ack = flags.contains(.ack)
        let length = max(0, length)
        var senderIsOriginator: Bool { senderIsFirst == originatorIsFirst }
        // get_segment_len: SYN and FIN take a sequence number each; a RST's payload is not part of the stream.
        let segmentLength = (rst ? 0 : length) + (syn ? 1 : 0) + (fin ? 1 : 0)
        let onePast = tcp.sequenceNumber &+ UInt32(truncatingIfNeeded: segmentLength)

        endpoint.initialize(syn: syn, sequence: tcp.sequenceNumber, onePast: onePast)
        let relativeSequence = endpoint.relative(tcp.sequenceNumber)
        let sequenceUnderflow = relativeSequence < 0

        // update_history
        let bitsSet = (syn ? 1 : 0) + (fin ? 1 : 0) + (rst ? 1 : 0)
        if bitsSet > 1 {
            if fin && rst {
                checkHistory(Mask.finRST, "I", isOriginator: senderIsOriginator)
            } else {
                checkHistory(Mask.multiFlag, "Q", isOriginator: senderIsOriginator)
            }
        } else if syn {
            let code: Character = ack ? "H" : "S"
            if checkHistory(Mask.syn, code, isOriginator: senderIsOriginator) && relativeSequence != endpoint.lastSYN {
                addHistory(code, isOriginator: senderIsOriginator)
            }
            endpoint.lastSYN = relativeSequence
        } else if fin {
            let end = relativeSequence + Int64(length)
            if checkHistory(Mask.fin, "F", isOriginator: senderIsOriginator) && end != endpoint.lastFIN {
                addHistory("F", isOriginator: senderIsOriginator)
            }
            endpoint.lastFIN = end
        } else if rst {
            if checkHistory(Mask.rst, "R", isOriginator: senderIsOriginator) && relativeSequence != endpoint.lastRST {
                addHistory("R", isOriginator: senderIsOriginator)
            }
            endpoint.lastRST = relativeSequence
        } else if length > 0 {
            checkHistory(Mask.data, "D", isOriginator: senderIsOriginator)
        } else if ack {
            checkHistory(Mask.ack, "A", isOriginator: senderIsOriginator)
        }

        // update_window: a zero window is interesting unless it comes with or after a RST, or after the peer's FIN.
        if tcp.window == 0 && !rst && peer.state != .closed && endpoint.state != .reset {
            scaledHistory("W", &endpoint.zeroWindows, isOriginator: senderIsOriginator)
        }

        if fin {
            endpoint.finCount &+= 1
            endpoint.finSequence = relativeSequence + Int64(segmentLength)
        }

        var relativeAck: Int64 = 0
        if ack {
            if peer.state == .inactive {
                relativeAck = 1
                // init_peer: number the peer's bytes as if its SYN had been seen.
                peer.start(at: tcp.acknowledgmentNumber &- 1, last: tcp.acknowledgmentNumber &- 1)
            } else {
                let candidate = peer.relativeAck(tcp.acknowledgmentNumber)
                if candidate < 0 {
                    relativeAck = 0
                } else {
                    relativeAck = candidate
                    if !rst { peer.updateAck(tcp.acknowledgmentNumber) }
                }
            }
        }

        // update_last_seq
        let deltaLast = Int32(bitPattern: onePast &- endpoint.last)
        if (syn || rst) && (deltaLast > Self.tooLargeDelta || deltaLast < -Self.tooLargeDelta) {
            // Not trusted.
        } else if fin && endpoint.last == endpoint.startSequence &+ 1 {
            endpoint.updateLast(onePast)
        } else if endpoint.state == .reset {
            // Nothing after a RST is trusted.
        } else if deltaLast > 0 {
            endpoint.updateLast(onePast)
        } else if length > 0 {
            scaledHistory("T", &endpoint.retransmissions, isOriginator: senderIsOriginator)
        }

        updateStateMachine(
            endpoint: &endpoint, peer: &peer, senderIsFirst: senderIsFirst, flags: flags, length: length,
            sequence: tcp.sequenceNumber)

        // The reassembler: acknowledged bytes never seen are a content gap in the peer's stream (the FIN's
        // sequence number excluded).
        if ack {
            var acknowledged = relativeAck
            if peer.finCount > 0 && acknowledged >= peer.finSequence { acknowledged = peer.finSequence - 1 }
            if acknowledged > peer.seenEnd {
                peer.seenEnd = acknowledged
                scaledHistory("G", &peer.gaps, isOriginator: senderIsFirst != originatorIsFirst)
            }
        }
        if length > 0 && !rst && !sequenceUnderflow {
            let dataStart = syn ? relativeSequence + 1 : relativeSequence
            endpoint.seenEnd = max(endpoint.seenEnd, dataStart + Int64(length))
        }
    }

    private static let tooLargeDelta: Int32 = 1_048_576

    /// `TCPSessionAdapter::UpdateStateMachine` and the per-state updates it dispatches to.
    private mutating func updateStateMachine(
        endpoint: inout Endpoint, peer: inout Endpoint, senderIsFirst: Bool, flags: TCPFlags, length: Int,
        sequence: UInt32
    ) {
        let syn = flags.contains(.syn), fin = flags.contains(.fin), rst = flags.contains(.rst), ack = flags.contains(.ack)
        let isOriginator = senderIsFirst == originatorIsFirst
        switch endpoint.state {
        case .inactive:
            if syn {
                if isOriginator {
                    endpoint.set(ack ? .synAckSent : .synSent)
                } else {
                    if !ack && peer.state == .synAckSent && sequence == endpoint.startSequence {
                        // A SYN answering the originator's SYN-ACK: the roles were the other way round.
                        flipRoles()
                        peer.set(.established)
                    }
                    if peer.state == .synSent { peer.set(.established) }
                    endpoint.set(.established)
                }
            }
            if fin { endpoint.set(.closed) }
            if rst { endpoint.set(.reset) }
            if endpoint.state == .inactive {
                if !isOriginator && length == 0 && peer.state == .synSent {
                    // An ACK of the SYN before the SYN-ACK: not a partial connection.
                } else if ack && peer.state == .established {
                    endpoint.set(.established)
                } else {
                    endpoint.set(.partial)
                }
            }
        case .synSent, .synAckSent:
            if fin { endpoint.set(.closed) }
            if rst { endpoint.set(.reset) }
        case .established, .partial:
            if syn && endpoint.state == .partial && peer.state == .inactive && !ack {
                endpoint.set(.synSent)
            }
            if fin && !rst {
                endpoint.set(.closed)
                // A FIN after the peer's FIN-then-RST: that was a normal close.
                if peer.state == .reset && peer.previousState == .closed { peer.set(.closed) }
            }
            if rst { endpoint.set(.reset) }
        case .closed:
            if rst && peer.state != .closed { endpoint.set(.reset) }
        case .reset:
            break
        }
    }

    // MARK: - Endpoint

    struct ScaledCounter: Sendable {
        var count: UInt32 = 0
        var threshold: UInt32 = 1
    }

    /// Zeek's `TCP_Endpoint` (sequence numbers relative to the initial one, 64-bit across wraps), or a UDP side.
    struct Endpoint: Sendable {
        var state = EndpointState.inactive
        var previousState = EndpointState.inactive
        var startSequence: UInt32 = 0
        var last: UInt32 = 0
        var lastRelative: Int64 = 0
        var ack: UInt32 = 0
        var ackRelative: Int64 = 0
        var finCount: UInt32 = 0
        var finSequence: Int64 = 0
        var lastSYN: Int64 = 0
        var lastFIN: Int64 = 0
        var lastRST: Int64 = 0
        /// One past the highest stream byte seen (or acknowledged as a gap); the stream starts at 1.
        var seenEnd: Int64 = 1
        var retransmissions = ScaledCounter()
        var zeroWindows = ScaledCounter()
        var gaps = ScaledCounter()
        /// UDP: this side sent a datagram.
        var active = false

        mutating func set(_ new: EndpointState) {
            guard new != state else { return }
            previousState = state
            state = new
        }

        /// InitStartSeq, InitAckSeq and InitLastSeq.
        mutating func start(at sequence: UInt32, last newLast: UInt32) {
            startSequence = sequence
            ack = sequence
            ackRelative = 0
            last = newLast
            lastRelative = Int64(Int32(bitPattern: newLast &- sequence))
        }

        /// `init_endpoint`.
        mutating func initialize(syn: Bool, sequence: UInt32, onePast: UInt32) {
            switch state {
            case .inactive:
                if syn { start(at: sequence, last: onePast) } else { start(at: sequence &- 1, last: sequence) }
            case .synSent, .synAckSent:
                if syn && sequence != startSequence { start(at: sequence, last: onePast) }
            case .established, .partial:
                if syn { start(at: sequence, last: onePast) }
            case .reset:
                if syn && previousState == .inactive { start(at: sequence, last: onePast) }
            case .closed:
                break
            }
        }

        /// A sequence number relative to the initial one, placed next to the last one seen (`get_relative_seq`).
        func relative(_ sequence: UInt32) -> Int64 {
            lastRelative + Int64(Int32(bitPattern: sequence &- last))
        }

        /// An acknowledgement number of this side's bytes relative to its initial sequence number.
        func relativeAck(_ sequence: UInt32) -> Int64 {
            ackRelative + Int64(Int32(bitPattern: sequence &- ack))
        }

        mutating func updateLast(_ sequence: UInt32) {
            lastRelative += Int64(Int32(bitPattern: sequence &- last))
            last = sequence
        }

        /// `update_ack_seq`: forward only, and an ACK of 0 far ahead is taken for a broken one.
        mutating func updateAck(_ sequence: UInt32) {
            let delta = Int32(bitPattern: sequence &- ack)
            if sequence == 0 && delta > ZeekConnection.tooLargeDelta { return }
            if delta > 0 {
                ackRelative += Int64(delta)
                ack = sequence
            }
        }

        /// `TCP_Endpoint::Size`: bytes of sequence space used, without the SYN and FIN.
        func size(peer: Endpoint) -> Int64 {
            if previousState == .synSent && state == .reset && peer.state == .inactive && ackRelative > 1 { return 0 }
            var size = max(lastRelative, ackRelative)
            if size > 0 { size -= 1 }
            if finCount > 0 && size > 0 { size -= 1 }
            return max(0, size)
        }
    }

    // MARK: - Likely server ports

    /// Ports that Zeek's base scripts add to `likely_server_ports` (HTTP, SSL, SSH, FTP, SMTP, DNS, IRC, ...).
    static let likelyTCPServerPorts: Set<UInt16> = [
        21, 22, 23, 25, 53, 80, 81, 88, 110, 135, 139, 143, 389, 443, 445, 502, 563, 585, 587, 614, 631, 636, 989,
        990, 992, 993, 994, 995, 1080, 1723, 1883, 2811, 3128, 3306, 3389, 5060, 5222, 5223, 5269, 5432, 5672, 6666,
        6667, 6668, 6669, 8000, 8080, 8888, 20000, 44818,
    ]

    /// UDP ports that Zeek's base scripts add to `likely_server_ports` (DNS, DHCP, NTP, NetBIOS, tunnels, ...).
    static let likelyUDPServerPorts: Set<UInt16> = [
        53, 67, 69, 88, 123, 137, 138, 161, 162, 443, 500, 514, 1812, 1813, 2123, 2152, 3478, 3544, 4500, 4789, 5060,
        5072, 5353, 5355, 6081,
    ]
}

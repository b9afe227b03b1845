import WireFormat

/// What one side of a flow sent, as blocking detection needs it: counts, times, TTLs, TCP sequence-space
/// analysis (RFC 9293 §3.4, serial arithmetic on 32-bit sequence numbers, so wraparound is handled), its
/// first data segment (the ClientHello for TLS) and the first RSTs/FINs with their injection evidence.
///
/// Fixed-size state: the only arrays are the first `maximumResets` RSTs and `maximumFINs` FINs.
public struct TeardownDirection: Hashable, Sendable {
    /// RSTs kept in `resets` (later ones are only counted).
    public static let maximumResets = 4
    /// FINs kept in `fins` (later ones are only counted).
    public static let maximumFINs = 2
    /// RSTs no later than this after the side's first RST count in `resetBurst` (nanoseconds).
    public static let resetBurstWindow: Int64 = 10_000_000

    // MARK: - Every protocol

    /// Packets sent.
    public internal(set) var packets = 0
    /// Transport payload bytes sent, retransmissions included (Zeek's `orig_bytes`/`resp_bytes`).
    public internal(set) var payloadBytes = 0
    /// Time of the first and last packet sent.
    public internal(set) var firstTime: Timestamp?
    public internal(set) var lastTime: Timestamp?
    /// Time of the first and last packet with payload (any payload, retransmissions included).
    public internal(set) var firstDataTime: Timestamp?
    public internal(set) var lastDataTime: Timestamp?
    /// TTL / hop limit: of the first packet, and the smallest and largest seen.
    public internal(set) var firstTimeToLive: UInt8?
    public internal(set) var minimumTimeToLive: UInt8?
    public internal(set) var maximumTimeToLive: UInt8?
    /// Largest gap between two consecutive packets of this side, in nanoseconds.
    public internal(set) var largestGap: Int64 = 0
    /// Largest gap between two consecutive packets of this side during which the other side sent something
    /// (it was still there, waiting or retransmitting), in nanoseconds.
    public internal(set) var largestGapWhileOtherSent: Int64 = 0
    /// Packets this side sent after the other side's last packet (all of them when the other side never sent).
    public internal(set) var packetsAfterOtherLastPacket = 0

    // MARK: - TCP

    /// SYN segments sent (SYN or SYN-ACK; more than one means retransmission).
    public internal(set) var synCount = 0
    /// Time of the first SYN without ACK, and of the first SYN-ACK.
    public internal(set) var firstSYNTime: Timestamp?
    public internal(set) var firstSYNACKTime: Timestamp?
    /// Time of the first ACK without SYN sent after the other side's SYN-ACK (the handshake's third packet).
    public internal(set) var firstHandshakeACKTime: Timestamp?
    /// Initial sequence number: the SYN's, or the sequence number of the first segment when no SYN was seen.
    public internal(set) var initialSequence: UInt32?
    /// Next sequence number after the highest byte sent so far (raw, 32-bit serial arithmetic).
    public internal(set) var nextSequence: UInt32?
    /// Highest acknowledgment number sent (raw), i.e. how far this side acknowledged the other side's data.
    public internal(set) var highestAcknowledgment: UInt32?
    /// Payload bytes that advanced the sequence space (unique bytes; gaps left by loss before the capture
    /// point count as sent, as tshark's highest-sequence accounting does).
    public internal(set) var uniquePayloadBytes = 0
    /// Data segments starting below the highest sequence sent so far (wholly or partly retransmitted data).
    public internal(set) var retransmittedSegments = 0
    /// Bytes of those segments that lay below the highest sequence sent so far.
    public internal(set) var retransmittedBytes = 0
    /// Data segments starting above the next expected sequence number (a hole before them).
    public internal(set) var outOfOrderSegments = 0
    /// ACKs repeating the previous acknowledgment and window with no data and no SYN/FIN/RST.
    public internal(set) var duplicateACKs = 0
    /// Segments (not RST) advertising a zero window.
    public internal(set) var zeroWindowAdvertisements = 0
    /// Bytes of retransmissions that filled a hole seen open (out-of-order data arrived first): delivered to the
    /// receiver for the first time. Counted in `rate`, not in `uniquePayloadBytes` (already counted there).
    public internal(set) var holeFilledBytes = 0
    /// Time of the last segment that advanced the sequence space with new payload ("last progress").
    public internal(set) var lastProgressTime: Timestamp?
    /// Window scale from this side's SYN options (RFC 7323 §2.2).
    public internal(set) var windowScale: UInt8?
    /// Last window field sent (unscaled) and whether it was on a SYN (never scaled).
    public internal(set) var lastWindow: UInt16?
    public internal(set) var lastWindowOnSYN = false

    /// This side's first data segment (for the originator of a TLS flow: the ClientHello).
    public internal(set) var firstData: FirstData?

    /// RSTs and FINs sent (all of them), and the first few with their evidence.
    public internal(set) var resetCount = 0
    public internal(set) var finCount = 0
    public internal(set) var resets: [TeardownSignal] = []
    public internal(set) var fins: [TeardownSignal] = []
    /// RSTs within `resetBurstWindow` (10 ms) of this side's first RST, the first included.
    public internal(set) var resetBurst = 0

    /// Bytes per second over the busy period in 1-second windows.
    public internal(set) var rate = TeardownRate()

    /// The first data segment of a side and what became of it.
    public struct FirstData: Hashable, Sendable {
        /// Packet time of its first transmission.
        public var time: Timestamp
        /// Raw sequence number of its first byte.
        public var sequence: UInt32
        /// Payload bytes of the segment.
        public var length: Int
        /// Transmissions of a segment with this sequence number and data (1 = never retransmitted).
        public var sends: Int
        /// Time of the first ACK from the other side covering its last byte; nil if never acknowledged.
        public var acknowledgedTime: Timestamp?

        public init(time: Timestamp, sequence: UInt32, length: Int, sends: Int, acknowledgedTime: Timestamp?) {
            self.time = time
            self.sequence = sequence
            self.length = length
            self.sends = sends
            self.acknowledgedTime = acknowledgedTime
        }
    }

    // Baseline of this side's earlier non-RST packets, for judging its RSTs/FINs.
    private var baselineFirstTTL: UInt8?
    private var baselineMinimumTTL: UInt8 = .max
    private var baselineMaximumTTL: UInt8 = 0
    private var baselineIdentification: UInt32?
    private var baselineSawNonzeroIdentification = false
    private var otherSentSinceLastPacket = false
    private var lastAcknowledgment: UInt32?
    private var holes = TeardownHoles()

    public init() {}

    // MARK: - Derived facts

    /// Goodput in bits per second: unique payload bytes over first-to-last data time. Nil when the data took
    /// no time (fewer than two data packets).
    public var goodputBitsPerSecond: Double? {
        guard let first = firstDataTime, let last = lastDataTime, last > first else { return nil }
        return Double(uniquePayloadBytes) * 8 / (Double(last.nanoseconds(since: first)) / 1e9)
    }

    /// Bytes this side sent that `receiver` has not acknowledged (highest sequence sent minus the receiver's
    /// highest acknowledgment, 32-bit serial arithmetic); nil without both. Never negative.
    public func outstandingBytes(acknowledgedBy receiver: TeardownDirection) -> Int? {
        guard let next = nextSequence, let ack = receiver.highestAcknowledgment else { return nil }
        return max(0, Int(Int32(bitPattern: next &- ack)))
    }

    // MARK: - Recording

    /// Records one packet sent by this side; `other` is the other side of the flow (read for the sequence space
    /// its acknowledgments refer to, and told that this side spoke).
    mutating func record(_ summary: PacketSummary, other: inout TeardownDirection, fromOriginator: Bool) {
        let time = summary.timestamp
        let ttl = summary.network?.timeToLive
        packets += 1
        payloadBytes += summary.payload.length
        if let last = lastTime {
            let gap = time.nanoseconds(since: last)
            largestGap = max(largestGap, gap)
            if otherSentSinceLastPacket { largestGapWhileOtherSent = max(largestGapWhileOtherSent, gap) }
        }
        if firstTime == nil { firstTime = time }
        lastTime = max(lastTime ?? time, time)
        otherSentSinceLastPacket = false
        other.otherSentSinceLastPacket = true
        other.packetsAfterOtherLastPacket = 0
        packetsAfterOtherLastPacket += 1
        if summary.payload.length > 0 {
            if firstDataTime == nil { firstDataTime = time }
            lastDataTime = max(lastDataTime ?? time, time)
        }
        if let ttl {
            if firstTimeToLive == nil { firstTimeToLive = ttl }
            minimumTimeToLive = min(minimumTimeToLive ?? ttl, ttl)
            maximumTimeToLive = max(maximumTimeToLive ?? ttl, ttl)
        }
        if let tcp = summary.tcp {
            recordTCP(tcp, summary: summary, other: &other, fromOriginator: fromOriginator)
        } else if summary.payload.length > 0 {
            // UDP and others: every datagram's payload is new.
            uniquePayloadBytes += summary.payload.length
            lastProgressTime = time
            rate.add(summary.payload.length, at: time)
        }
        if summary.tcp?.flags.contains(.rst) != true { updateBaseline(summary.network) }
    }

    private mutating func updateBaseline(_ network: NetworkHeader?) {
        guard let network else { return }
        if baselineFirstTTL == nil { baselineFirstTTL = network.timeToLive }
        baselineMinimumTTL = min(baselineMinimumTTL, network.timeToLive)
        baselineMaximumTTL = max(baselineMaximumTTL, network.timeToLive)
        if network.version == 4 {
            baselineIdentification = network.identification
            if network.identification != 0 { baselineSawNonzeroIdentification = true }
        }
    }

    private mutating func recordTCP(
        _ tcp: TCPHeader, summary: PacketSummary, other: inout TeardownDirection, fromOriginator: Bool
    ) {
        let time = summary.timestamp
        let length = summary.payload.length
        let flags = tcp.flags
        let sequence = tcp.sequenceNumber
        // Evidence first: it compares with the state before this packet.
        if flags.contains(.rst) || flags.contains(.fin) {
            recordSignal(tcp, summary: summary, other: other, fromOriginator: fromOriginator)
        }
        if flags.contains(.syn) {
            synCount += 1
            if flags.contains(.ack) {
                if firstSYNACKTime == nil { firstSYNACKTime = time }
            } else if firstSYNTime == nil {
                firstSYNTime = time
            }
            if initialSequence == nil { initialSequence = sequence }
            if windowScale == nil { windowScale = tcp.options.windowScale }
        } else if flags.contains(.ack), firstHandshakeACKTime == nil, other.firstSYNACKTime != nil {
            firstHandshakeACKTime = time
        }
        if flags.contains(.rst) { return }  // a RST's numbers say nothing about the sequence space it claims

        // Sequence space: SYN and FIN take one number each, data its length.
        if initialSequence == nil { initialSequence = sequence &- 1 }
        let dataStart = flags.contains(.syn) ? sequence &+ 1 : sequence
        if nextSequence == nil { nextSequence = dataStart }
        if length > 0, let next = nextSequence {
            let offset = Int64(Int32(bitPattern: dataStart &- next))
            let end = dataStart &+ UInt32(truncatingIfNeeded: length)
            let advance = Int64(Int32(bitPattern: end &- next))
            var delivered: Int64 = 0
            if offset < 0 {
                retransmittedSegments += 1
                retransmittedBytes += Int(min(Int64(length), -offset))
                // Bytes of a hole the capture saw open: delivered now, for the first time.
                let base = initialSequence ?? 0
                delivered = holes.fill(from: dataStart &- base, to: (advance > 0 ? next : end) &- base)
                holeFilledBytes += Int(delivered)
            } else if offset > 0 {
                outOfOrderSegments += 1
                let base = initialSequence ?? 0
                holes.open(from: next &- base, to: dataStart &- base)
            }
            if advance > 0 {
                uniquePayloadBytes += Int(advance)
                nextSequence = end
                lastProgressTime = time
                delivered += advance - max(0, offset)
            }
            if delivered > 0 { rate.add(Int(delivered), at: time) }
            if let first = firstData {
                if first.sequence == dataStart { firstData?.sends += 1 }
            } else {
                firstData = FirstData(time: time, sequence: dataStart, length: length, sends: 1, acknowledgedTime: nil)
            }
        }
        if flags.contains(.fin), let next = nextSequence {
            let end = dataStart &+ UInt32(truncatingIfNeeded: length) &+ 1
            if Int32(bitPattern: end &- next) > 0 { nextSequence = end }
        }

        // Acknowledgments and windows.
        if flags.contains(.ack) {
            let ack = tcp.acknowledgmentNumber
            let pure = length == 0 && flags.isDisjoint(with: [.syn, .fin, .rst])
            if pure, ack == lastAcknowledgment, tcp.window == lastWindow, !lastWindowOnSYN { duplicateACKs += 1 }
            lastAcknowledgment = ack
            if let highest = highestAcknowledgment {
                if Int32(bitPattern: ack &- highest) > 0 { highestAcknowledgment = ack }
            } else {
                highestAcknowledgment = ack
            }
            if var first = other.firstData, first.acknowledgedTime == nil {
                let end = first.sequence &+ UInt32(truncatingIfNeeded: first.length)
                if Int32(bitPattern: ack &- end) >= 0 {
                    first.acknowledgedTime = time
                    other.firstData = first
                }
            }
        }
        if tcp.window == 0 { zeroWindowAdvertisements += 1 }
        lastWindow = tcp.window
        lastWindowOnSYN = flags.contains(.syn)
    }

    private mutating func recordSignal(
        _ tcp: TCPHeader, summary: PacketSummary, other: TeardownDirection, fromOriginator: Bool
    ) {
        let time = summary.timestamp
        let network = summary.network
        let ttl = network?.timeToLive ?? 0
        let identification = network?.identification ?? 0
        var identificationUnlike: Bool?
        if network?.version == 4, let last = baselineIdentification {
            let forward = UInt16(truncatingIfNeeded: identification) &- UInt16(truncatingIfNeeded: last)
            let distance = UInt32(min(forward, 0 &- forward))
            identificationUnlike =
                (identification == 0 && baselineSawNonzeroIdentification) || distance > TeardownSignal.identificationDistanceBound
        }
        var sequenceFits: Bool?
        if let next = nextSequence {
            let offset = Int64(Int32(bitPattern: tcp.sequenceNumber &- next))
            let scale = windowScale != nil && other.windowScale != nil && !other.lastWindowOnSYN ? Int(min(other.windowScale ?? 0, 14)) : 0
            let window = Int64(other.lastWindow ?? 0) << scale
            // A retransmitted FIN repeats the sequence number its first copy used up.
            let earliest: Int64 = tcp.flags.contains(.fin) && finCount > 0 ? -1 : 0
            sequenceFits = offset >= earliest && offset <= max(window, 1)
        }
        var acknowledgmentFits: Bool?
        if tcp.flags.contains(.ack), let next = other.nextSequence, let start = other.initialSequence {
            let ack = tcp.acknowledgmentNumber
            let behind = Int64(Int32(bitPattern: next &- ack))
            let sent = Int64(Int32(bitPattern: next &- start))
            acknowledgmentFits = behind >= 0 && behind <= max(sent, 0)
        }
        let signal = TeardownSignal(
            kind: tcp.flags.contains(.rst) ? .rst : .fin, fromOriginator: fromOriginator, time: time, flags: tcp.flags,
            timeToLive: ttl, timeToLiveDifference: baselineFirstTTL.map { Int(ttl) - Int($0) },
            timeToLiveOutsideEarlierRange: baselineFirstTTL == nil ? nil : !(baselineMinimumTTL...baselineMaximumTTL).contains(ttl),
            identification: identification, identificationUnlikeEarlier: identificationUnlike, window: tcp.window,
            sequenceFits: sequenceFits, acknowledgmentFits: acknowledgmentFits,
            sinceOtherSideLastPacket: other.lastTime.map { time.nanoseconds(since: $0) })
        if tcp.flags.contains(.rst) {
            resetCount += 1
            if resets.count < Self.maximumResets { resets.append(signal) }
            if let first = resets.first, time.nanoseconds(since: first.time) <= Self.resetBurstWindow { resetBurst += 1 }
        } else {
            finCount += 1
            if fins.count < Self.maximumFINs { fins.append(signal) }
        }
    }
}

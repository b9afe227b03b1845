/// Reassembles IPv4 (RFC 791 §3.2) and IPv6 (RFC 8200 §4.5) datagrams split into fragments, so that a UDP
/// payload (STUN, QUIC Initial) or a TCP segment carried in several fragments can be read whole.
///
/// Bounded: at most `limits.maximumDatagrams` datagrams in progress and `limits.maximumBytes` buffered; when a
/// new datagram would exceed either, the oldest one is dropped (counted in `evicted`). A datagram not completed
/// within `limits.timeout` of packet time since its last fragment is dropped (counted in `expired`).
///
/// Overlaps: the bytes received first are kept ("first wins"); an overlap is reported as an anomaly, and one
/// whose bytes differ from what was kept as `fragmentOverlapInconsistent` (an insertion/evasion signal).
/// Coverage is tracked in 8-byte units, the granularity of fragment offsets.
public final class FragmentReassembler {
    public struct Limits: Sendable {
        public var maximumDatagrams: Int
        public var maximumBytes: Int
        public var timeout: Int64
        public init(maximumDatagrams: Int = 1024, maximumBytes: Int = 16 << 20, timeoutNanoseconds: Int64 = 30_000_000_000) {
            self.maximumDatagrams = maximumDatagrams
            self.maximumBytes = maximumBytes
            timeout = timeoutNanoseconds
        }
    }

    /// Identifies the datagram a fragment belongs to (RFC 791: source, destination, protocol, identification).
    struct Key: Hashable {
        var source: IPAddress
        var destination: IPAddress
        var identification: UInt32
        var protocolNumber: UInt8
    }

    private struct Datagram {
        var bytes: [UInt8] = []
        /// One bit per 8-byte unit received.
        var coverage = [UInt64](repeating: 0, count: 1)
        /// Payload length, known once the last fragment (MF = 0) arrived.
        var totalLength: Int?
        var firstSeen: Timestamp
        var lastSeen: Timestamp
    }

    /// Largest reassembled payload (IPv4 total length is 16 bits; IPv6 payload length likewise).
    static let maximumPayload = 65535

    public let limits: Limits
    private var datagrams: [Key: Datagram] = [:]
    private var bufferedBytes = 0
    /// The payload of the datagram completed by the last `add` that returned `.complete`.
    public private(set) var completed: [UInt8] = []

    public private(set) var reassembledCount = 0
    public private(set) var expiredCount = 0
    public private(set) var evictedCount = 0
    /// Datagrams currently waiting for fragments.
    public var pendingCount: Int { datagrams.count }

    /// Calls `body` with the last completed datagram's payload.
    public func withCompleted<R, E: Error>(_ body: (Span<UInt8>) throws(E) -> R) throws(E) -> R {
        let datagram = completed
        return try body(datagram.span)
    }

    public init(limits: Limits = Limits()) {
        self.limits = limits
    }

    public enum Outcome: Equatable {
        /// Held; more fragments are needed.
        case pending
        /// The datagram is whole: its payload (transport header onwards) is in `completed[0..<length]`.
        case complete(length: Int)
    }

    /// Adds one fragment's data (the bytes after the IP header, as captured).
    func add(
        _ key: Key, offset: Int, moreFragments: Bool, declaredLength: Int, data: Span<UInt8>, at time: Timestamp,
        anomalies: inout Anomalies
    ) -> Outcome {
        expire(before: time)
        let end = offset + declaredLength
        guard end <= Self.maximumPayload else {
            anomalies.insert(.fragmentBadLength)
            return .pending
        }
        if datagrams[key] == nil {
            makeRoom(for: end)
            datagrams[key] = Datagram(firstSeen: time, lastSeen: time)
        }
        guard var datagram = datagrams.removeValue(forKey: key) else { return .pending }
        defer { if !isComplete(datagram) { datagrams[key] = datagram } }
        datagram.lastSeen = time

        if !moreFragments {
            if let known = datagram.totalLength, known != end { anomalies.insert(.fragmentBadLength) }
            else { datagram.totalLength = end }
        } else if let known = datagram.totalLength, end > known {
            anomalies.insert(.fragmentBadLength)
        }
        // Only whole captured units count as received: a fragment cut by snaplen leaves a hole and never completes.
        let captured = min(data.count, declaredLength)
        if datagram.bytes.count < offset + captured {
            let growth = offset + captured - datagram.bytes.count
            datagram.bytes.append(contentsOf: repeatElement(0, count: growth))
            bufferedBytes += growth
        }
        let unitsNeeded = (offset + captured + 7) / 8
        if datagram.coverage.count * 64 < unitsNeeded {
            datagram.coverage.append(contentsOf: repeatElement(0, count: (unitsNeeded + 63) / 64 - datagram.coverage.count))
        }
        let fullUnitsEnd = captured == declaredLength ? (offset + captured + 7) / 8 : (offset + captured) / 8
        var unit = offset / 8
        while unit < fullUnitsEnd {
            let unitStart = unit * 8
            let unitEnd = min(unitStart + 8, offset + captured)
            if datagram.coverage[unit >> 6] & (1 << UInt64(unit & 63)) != 0 {
                anomalies.insert(.fragmentOverlap)
                for i in max(unitStart, offset)..<unitEnd where datagram.bytes[i] != data[i - offset] {
                    anomalies.insert(.fragmentOverlapInconsistent)
                    break
                }
            } else {
                for i in max(unitStart, offset)..<unitEnd { datagram.bytes[i] = data[i - offset] }
                datagram.coverage[unit >> 6] |= 1 << UInt64(unit & 63)
            }
            unit += 1
        }
        guard isComplete(datagram), let total = datagram.totalLength else { return .pending }
        completed.removeAll(keepingCapacity: true)
        completed.append(contentsOf: datagram.bytes[0..<total])
        bufferedBytes -= datagram.bytes.count
        reassembledCount += 1
        return .complete(length: total)
    }

    private func isComplete(_ datagram: Datagram) -> Bool {
        guard let total = datagram.totalLength, datagram.bytes.count >= total else { return false }
        let units = (total + 7) / 8
        for word in 0..<(units / 64) where datagram.coverage[word] != ~0 { return false }
        let rest = units % 64
        if rest > 0 {
            let mask: UInt64 = (1 << UInt64(rest)) - 1
            guard datagram.coverage.count > units / 64, datagram.coverage[units / 64] & mask == mask else { return false }
        }
        return true
    }

    private func expire(before time: Timestamp) {
        guard !datagrams.isEmpty else { return }
        for (key, datagram) in datagrams where time.nanoseconds(since: datagram.lastSeen) > limits.timeout {
            remove(key)
            expiredCount += 1
        }
    }

    private func makeRoom(for bytes: Int) {
        while !datagrams.isEmpty,
            datagrams.count >= limits.maximumDatagrams || bufferedBytes + bytes > limits.maximumBytes
        {
            guard let oldest = datagrams.min(by: { $0.value.firstSeen < $1.value.firstSeen })?.key else { return }
            remove(oldest)
            evictedCount += 1
        }
    }

    private func remove(_ key: Key) {
        if let datagram = datagrams.removeValue(forKey: key) { bufferedBytes -= datagram.bytes.count }
    }
}

/// Bytes of one stream (or one fragmented message) received in any order, with retransmitted overlaps: the
/// first copy of a byte wins (as the fragment reassembler). Offsets are relative to the buffer's start, which
/// `discardPrefix` moves forward. Bounded: nothing is stored at or past `capacity`, and at most `maximumRanges`
/// separate received ranges (holes) are tracked. Shared by `TLSStreamAssembler`, `DTLSHandshakeAssembler` and
/// QUIC's `CryptoStreamReassembler`.
public struct ReassemblyBuffer: Hashable, Sendable {
    public enum WriteResult: Hashable, Sendable {
        case stored
        /// The bytes reach past `capacity`.
        case overCapacity
        /// More than `maximumRanges` separate ranges.
        case tooFragmented
    }

    public let capacity: Int
    public let maximumRanges: Int
    public private(set) var storage: [UInt8] = []
    /// Received ranges: sorted, disjoint, not adjacent.
    public private(set) var covered: [Range<Int>] = []
    /// Bytes that overlapped earlier bytes with different values (an evasion signal).
    public private(set) var inconsistentOverlaps = 0

    public init(capacity: Int, maximumRanges: Int = 64) {
        self.capacity = capacity
        self.maximumRanges = maximumRanges
    }

    /// Bytes received from offset 0 without a hole.
    public var contiguousCount: Int {
        guard let first = covered.first, first.lowerBound == 0 else { return 0 }
        return first.upperBound
    }

    /// Stores `bytes` at `offset` (which may be negative: what lies before the start is dropped).
    public mutating func write(_ bytes: Span<UInt8>, at offset: Int) -> WriteResult {
        let skip = offset < 0 ? -offset : 0
        guard skip < bytes.count else { return .stored }
        let start = offset + skip
        let end = offset + bytes.count
        guard end <= capacity else { return .overCapacity }
        // A range that touches none of the others would be one too many: refused, so memory stays bounded by
        // the ranges kept as well as by the capacity.
        if covered.count >= maximumRanges,
            !covered.contains(where: { $0.lowerBound <= end && start <= $0.upperBound })
        {
            return .tooFragmented
        }
        // In order past everything stored (the common case): appended in one pass, without zero-filling first.
        if start == storage.count, covered.last.map({ $0.upperBound <= start }) ?? true {
            let source = start - offset
            storage.append(addingCapacity: end - start) { out in
                for index in source..<bytes.count { out.append(bytes[index]) }
            }
            insert(start..<end)
            return .stored
        }
        if storage.count < end { storage.append(contentsOf: repeatElement(0, count: end - storage.count)) }
        var position = start
        for range in covered where range.upperBound > position && range.lowerBound < end {
            if range.lowerBound > position { copy(bytes, from: position - offset, to: position, count: range.lowerBound - position) }
            // Overlap: keep the first copy, count differences.
            for index in max(position, range.lowerBound)..<min(end, range.upperBound)
            where storage[index] != bytes[index - offset] {
                inconsistentOverlaps += 1
            }
            position = max(position, range.upperBound)
        }
        if position < end { copy(bytes, from: position - offset, to: position, count: end - position) }
        insert(start..<end)
        return .stored
    }

    private mutating func copy(_ bytes: Span<UInt8>, from source: Int, to destination: Int, count: Int) {
        // Through a span: no copy-on-write check per byte.
        var target = storage.mutableSpan
        for index in 0..<count { target[destination + index] = bytes[source + index] }
    }

    private mutating func insert(_ new: Range<Int>) {
        // In-order data (the common case) extends or follows the last range: no new array.
        if let last = covered.last, new.lowerBound >= last.lowerBound {
            if new.lowerBound <= last.upperBound {
                covered[covered.count - 1] = last.lowerBound..<max(last.upperBound, new.upperBound)
                return
            }
            covered.append(new)
            return
        }
        if covered.isEmpty {
            covered.append(new)
            return
        }
        var merged = new
        var result: [Range<Int>] = []
        result.reserveCapacity(covered.count + 1)
        var placed = false
        for range in covered {
            if range.upperBound < merged.lowerBound {
                result.append(range)
            } else if range.lowerBound > merged.upperBound {
                if !placed {
                    result.append(merged)
                    placed = true
                }
                result.append(range)
            } else {
                merged = min(range.lowerBound, merged.lowerBound)..<max(range.upperBound, merged.upperBound)
            }
        }
        if !placed { result.append(merged) }
        covered = result
    }

    /// Moves the start forward by `count` bytes (which may be more than is stored).
    mutating func discardPrefix(_ count: Int) {
        guard count > 0 else { return }
        if count >= storage.count {
            storage.removeAll(keepingCapacity: true)
        } else {
            storage.removeFirst(count)
        }
        covered = covered.compactMap { range in
            let lower = max(range.lowerBound - count, 0)
            let upper = range.upperBound - count
            return upper > lower ? lower..<upper : nil
        }
    }

    /// Frees everything (the stream is given up or no longer needs bytes).
    mutating func removeAll() {
        storage = []
        covered = []
    }
}

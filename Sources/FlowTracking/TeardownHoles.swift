/// Up to `capacity` holes in a direction's sequence space (ranges skipped by out-of-order data), as offsets from
/// the initial sequence number, so that a retransmission filling one counts as newly delivered bytes. Fixed-size:
/// when full, the oldest hole is forgotten (its later fill then counts as a plain retransmission).
struct TeardownHoles: Hashable, Sendable {
    static let capacity = 4

    struct Hole: Hashable, Sendable {
        var start: UInt32
        var end: UInt32
    }

    private(set) var holes: [Hole] = []

    /// Records the hole [start, end) (relative offsets, start < end).
    mutating func open(from start: UInt32, to end: UInt32) {
        guard start < end else { return }
        if holes.count >= Self.capacity { holes.removeFirst() }
        holes.append(Hole(start: start, end: end))
    }

    /// Removes [start, end) from the holes and returns how many bytes of it were in a hole.
    mutating func fill(from start: UInt32, to end: UInt32) -> Int64 {
        guard start < end, !holes.isEmpty else { return 0 }
        var filled: Int64 = 0
        var kept: [Hole] = []
        for hole in holes {
            let low = max(hole.start, start)
            let high = min(hole.end, end)
            guard low < high else {
                kept.append(hole)
                continue
            }
            filled += Int64(high - low)
            if hole.start < low { kept.append(Hole(start: hole.start, end: low)) }
            if high < hole.end { kept.append(Hole(start: high, end: hole.end)) }
        }
        holes = Array(kept.suffix(Self.capacity))
        return filled
    }
}

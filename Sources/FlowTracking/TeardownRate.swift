import WireFormat

/// Bytes per 1-second window of a direction's busy period, as running sums (no per-window storage): enough for
/// the mean and the coefficient of variation that tell a policer's flat plateau from a normal transfer.
///
/// Windows start at the direction's first delivered payload byte. Only complete windows are counted; the last,
/// partial one is left out (it would always look like a drop). Windows without new bytes count as 0.
public struct TeardownRate: Hashable, Sendable {
    /// Window length in nanoseconds.
    public static let windowLength: Int64 = 1_000_000_000
    /// Complete 1-second windows in the busy period.
    public private(set) var windows = 0
    /// Delivered payload bytes in the complete windows: new sequence space plus bytes filling a hole seen open
    /// (`TeardownDirection.holeFilledBytes`), never a duplicate copy.
    public private(set) var bytes = 0
    /// Sum of the squares of the bytes per complete window (for the variance).
    public private(set) var sumOfSquares: Double = 0
    /// Bytes in the first complete window (slow start, or a policer's initial bucket).
    public private(set) var firstWindowBytes = 0
    private var start: Timestamp?
    private var currentIndex: Int64 = 0
    private var currentBytes = 0

    public init() {}

    /// Mean bytes per complete window; nil without a complete window.
    public var meanBytesPerWindow: Double? {
        windows > 0 ? Double(bytes) / Double(windows) : nil
    }

    /// Standard deviation over the mean of the bytes per complete window; nil without a complete window or
    /// when the mean is 0.
    public var coefficientOfVariation: Double? {
        guard let mean = meanBytesPerWindow, mean > 0 else { return nil }
        let variance = max(0, sumOfSquares / Double(windows) - mean * mean)
        return variance.squareRoot() / mean
    }

    /// Mean bytes per complete window after the first (blocking-taxonomy §6 leaves out the first second of
    /// slow start / token-bucket burst); nil with fewer than two complete windows.
    public var steadyMeanBytesPerWindow: Double? {
        windows > 1 ? Double(bytes - firstWindowBytes) / Double(windows - 1) : nil
    }

    /// Coefficient of variation of the bytes per complete window after the first; nil with fewer than two
    /// complete windows or a zero mean. A policer's plateau is flat (low), a normal transfer is not.
    public var steadyCoefficientOfVariation: Double? {
        guard let mean = steadyMeanBytesPerWindow, mean > 0 else { return nil }
        let first = Double(firstWindowBytes)
        let variance = max(0, (sumOfSquares - first * first) / Double(windows - 1) - mean * mean)
        return variance.squareRoot() / mean
    }

    /// Adds `count` delivered payload bytes at `time` (time going backwards lands in the current window).
    mutating func add(_ count: Int, at time: Timestamp) {
        guard let start else {
            self.start = time
            currentBytes = count
            return
        }
        let index = max(0, time.nanoseconds(since: start)) / Self.windowLength
        if index > currentIndex {
            if windows == 0 { firstWindowBytes = currentBytes }
            windows += 1
            bytes += currentBytes
            sumOfSquares += Double(currentBytes) * Double(currentBytes)
            // Empty windows in between: 0 bytes each.
            windows += Int(index - currentIndex - 1)
            currentIndex = index
            currentBytes = 0
        }
        currentBytes += count
    }
}

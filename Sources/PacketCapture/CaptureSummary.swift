/// How a `forEachFrame` run ended and what it saw.
public struct CaptureSummary: Sendable, Hashable {
    /// Packet records read from the source (before any filter).
    public var recordsRead: Int
    /// Frames handed to the consumer (after the filter).
    public var framesDelivered: Int
    /// pcapng Custom Blocks seen (tshark shows them as frames; they carry no packet and are not delivered).
    public var customBlocks: Int
    /// Whether the run ended because `breakLoop()` was called (or SIGINT/SIGTERM arrived).
    public var stoppedByRequest: Bool
    /// A non-fatal problem that ended reading early: `.truncated` or `.malformedRecord`. Every frame before it
    /// was delivered.
    public var warning: CaptureError?
    /// For live captures, libpcap's counters at the end of the run.
    public var statistics: CaptureStatistics?

    public init(
        recordsRead: Int = 0, framesDelivered: Int = 0, customBlocks: Int = 0, stoppedByRequest: Bool = false,
        warning: CaptureError? = nil, statistics: CaptureStatistics? = nil
    ) {
        self.recordsRead = recordsRead
        self.framesDelivered = framesDelivered
        self.customBlocks = customBlocks
        self.stoppedByRequest = stoppedByRequest
        self.warning = warning
        self.statistics = statistics
    }

    /// The byte offset of the cut record when the file was truncated.
    public var truncatedAt: Int? {
        if case .truncated(_, let offset) = warning { return offset }
        return nil
    }

    public var isTruncated: Bool { truncatedAt != nil }
}

/// `pcap_stats` counters of a live capture.
public struct CaptureStatistics: Sendable, Hashable {
    /// Packets the kernel saw for this socket (after the filter, on Linux).
    public var received: UInt64
    /// Packets dropped because the buffer was full.
    public var droppedByKernel: UInt64
    /// Packets dropped by the interface or its driver (where the platform reports it).
    public var droppedByInterface: UInt64

    public init(received: UInt64, droppedByKernel: UInt64, droppedByInterface: UInt64) {
        self.received = received
        self.droppedByKernel = droppedByKernel
        self.droppedByInterface = droppedByInterface
    }
}

import WireFormat

/// What the capture layer knows about one frame, apart from its bytes (which arrive as a `Span<UInt8>` next to it).
public struct FrameInfo: Sendable, Hashable {
    /// 1-based number of the record within the handle: for files, its position among the file's packet records
    /// (as tshark numbers them: pcapng custom blocks count, as Wireshark shows them as frames), whether or not a
    /// filter passed it; for live
    /// captures, the count of frames delivered.
    public var number: Int
    /// Capture time at nanosecond precision (microsecond sources are scaled exactly).
    public var timestamp: Timestamp
    /// Whether the record carried a time. A pcapng Simple Packet Block has none: it gets the time of the
    /// previous frame of the file (or zero) so that packet time never runs backwards, and this is `false`.
    public var hasTimestamp: Bool
    public var capturedLength: Int
    public var originalLength: Int
    public var linkType: LinkType
    /// pcapng interface id within its section (as the Enhanced Packet Block gives it); 0 for pcap and live.
    public var interfaceIndex: Int

    public init(
        number: Int, timestamp: Timestamp, hasTimestamp: Bool = true, capturedLength: Int, originalLength: Int,
        linkType: LinkType, interfaceIndex: Int = 0
    ) {
        self.number = number
        self.timestamp = timestamp
        self.hasTimestamp = hasTimestamp
        self.capturedLength = capturedLength
        self.originalLength = originalLength
        self.linkType = linkType
        self.interfaceIndex = interfaceIndex
    }
}

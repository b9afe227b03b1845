/// Settings of a live capture (`PcapHandle.openLive`).
public struct LiveOptions: Sendable, Hashable {
    /// Interface name, e.g. `eth0` or `lo`.
    public var interface: String
    public var snaplen: Int
    public var promiscuous: Bool
    /// Deliver each packet as soon as it arrives instead of when the buffer fills or the timeout expires.
    public var immediateMode: Bool
    /// Kernel buffer size in bytes.
    public var bufferSize: Int
    /// Read timeout in milliseconds; when it expires without packets, `forEachFrame` calls its `tick`.
    public var timeoutMilliseconds: Int
    /// BPF filter expression (tcpdump syntax), compiled and installed before capture starts.
    public var filter: String?

    public init(
        interface: String, snaplen: Int = 262_144, promiscuous: Bool = true, immediateMode: Bool = true,
        bufferSize: Int = 4 * 1024 * 1024, timeoutMilliseconds: Int = 250, filter: String? = nil
    ) {
        self.interface = interface
        self.snaplen = snaplen
        self.promiscuous = promiscuous
        self.immediateMode = immediateMode
        self.bufferSize = bufferSize
        self.timeoutMilliseconds = timeoutMilliseconds
        self.filter = filter
    }
}

import CPcap
import WireFormat

/// Writes a classic pcap file with nanosecond timestamps (`pcap_dump`), for tests and pcap export.
public final class PcapWriter {
    public let path: String
    public let linkType: LinkType
    public let snaplen: Int
    private var dead: OpaquePointer?
    private var dumper: OpaquePointer?

    public init(path: String, linkType: LinkType, snaplen: Int = 262_144) throws(CaptureError) {
        self.path = path
        self.linkType = linkType
        self.snaplen = max(1, min(snaplen, Int(Int32.max)))
        guard let dead = pcap_open_dead_with_tstamp_precision(
            Int32(bitPattern: linkType.rawValue), Int32(self.snaplen), UInt32(PCAP_TSTAMP_PRECISION_NANO))
        else {
            throw .writeFailed(path: path, reason: "pcap_open_dead failed for link type \(linkType)")
        }
        guard let dumper = pcap_dump_open(dead, path) else {
            let message = String(cString: pcap_geterr(dead))
            pcap_close(dead)
            throw .writeFailed(path: path, reason: message)
        }
        self.dead = dead
        self.dumper = dumper
    }

    deinit { try? close() }

    /// Appends one record; bytes beyond the snaplen are cut (the original length is kept).
    public func write(timestamp: Timestamp, originalLength: Int, bytes: Span<UInt8>) throws(CaptureError) {
        guard let dumper else { throw .writeFailed(path: path, reason: "writer is closed") }
        let captured = min(bytes.count, snaplen)
        var header = pcap_pkthdr()
        header.ts.tv_sec = Int(timestamp.seconds)
        header.ts.tv_usec = Int(timestamp.subsecondNanoseconds)  // nanoseconds: the handle is nano precision
        header.caplen = UInt32(captured)
        header.len = UInt32(clamping: max(originalLength, captured))
        bytes.withUnsafeBufferPointer { buffer in
            guard let start = buffer.baseAddress else {
                // An empty frame: libpcap still needs a valid pointer.
                var nothing: UInt8 = 0
                pcap_dump(UnsafeMutablePointer<UInt8>(dumper), &header, &nothing)
                return
            }
            pcap_dump(UnsafeMutablePointer<UInt8>(dumper), &header, start)
        }
    }

    /// Convenience for byte arrays (tests, fixtures).
    public func write(timestamp: Timestamp, originalLength: Int? = nil, bytes: [UInt8]) throws(CaptureError) {
        try write(timestamp: timestamp, originalLength: originalLength ?? bytes.count, bytes: bytes.span)
    }

    /// Flushes and closes the file. Further writes fail; closing twice does nothing.
    public func close() throws(CaptureError) {
        guard let dumper, let dead else { return }
        self.dumper = nil
        self.dead = nil
        let flushed = pcap_dump_flush(dumper) == 0
        pcap_dump_close(dumper)
        pcap_close(dead)
        guard flushed else { throw .writeFailed(path: path, reason: "flush failed") }
    }
}

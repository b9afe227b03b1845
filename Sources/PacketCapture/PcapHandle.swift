import CPcap
import WireFormat

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A source of frames: a capture file (pcap opened by libpcap, its records read from the mapped file by
/// `MappedPcapRecords` and by libpcap from any record it treats specially; pcapng through `PcapngReader`) or a live
/// interface.
///
/// Frames are lent to the consumer as `(FrameInfo, Span<UInt8>)` for the duration of one callback, straight
/// from libpcap's buffer or the mapped file; nothing is copied and nothing may be kept. One thread reads; other
/// threads may only stop the loop, through `loopBreaker`.
public final class PcapHandle {
    enum Source {
        /// An offline classic pcap file opened by libpcap (records mostly read from the mapping: `mappedRecords`).
        case file(OpaquePointer)
        /// A live capture.
        case live(OpaquePointer)
        case pcapng(PcapngReader)
    }

    private var source: Source
    /// File path, or interface name for live captures (for messages).
    public let name: String
    /// Whether libpcap's `tv_usec` holds nanoseconds.
    private let nanosecondTimestamps: Bool
    /// Bytes before each record's data in a classic pcap file: 16, or 24 in the modified (Kuznetzov) format.
    private let recordHeaderLength: Int
    /// Classic pcap records read from the mapped file until one needs libpcap (then nil, libpcap reads on).
    private var mappedRecords: MappedPcapRecords?
    private var filter: OfflineFilter?
    private var isClosed = false
    /// Frames numbered so far.
    private var recordCount = 0
    public let loopBreaker = LoopBreaker()

    private init(source: Source, name: String, nanosecondTimestamps: Bool, recordHeaderLength: Int = 16) {
        self.source = source
        self.name = name
        self.nanosecondTimestamps = nanosecondTimestamps
        self.recordHeaderLength = recordHeaderLength
        // Only live reads block in libpcap and need waking; files check the breaker's flag between records
        // (libpcap's own flag would linger on an offline handle and end the next run at once).
        if case .live(let pcap) = source { loopBreaker.attach(pcap) }
    }

    deinit { close() }

    /// Releases the C handle and the mapping. Reading afterwards returns an empty summary.
    public func close() {
        guard !isClosed else { return }
        isClosed = true
        loopBreaker.detach()
        switch source {
        case .file(let pcap), .live(let pcap):
            SignalStop.forget(pcap)
            pcap_close(pcap)
        case .pcapng:
            break
        }
        filter = nil
        mappedRecords = nil
    }

    /// The link type of a classic pcap file or a live capture; `nil` for pcapng (it is per interface).
    public var linkType: LinkType? {
        switch source {
        case .file(let pcap), .live(let pcap): isClosed ? nil : LinkType(rawValue: UInt32(bitPattern: pcap_datalink(pcap)))
        case .pcapng: nil
        }
    }

    // MARK: - Opening

    /// Opens a pcap (µs or ns, either byte order) or pcapng file.
    public static func openOffline(path: String) throws(CaptureError) -> PcapHandle {
        let file = try MappedFile(path: path)
        let head = file.prefix(16)
        guard head.count >= 4 else { throw .notACaptureFile(path: path, firstBytes: head) }
        let magic = UInt32(head[0]) << 24 | UInt32(head[1]) << 16 | UInt32(head[2]) << 8 | UInt32(head[3])
        switch magic {
        case 0x0A0D_0D0A:
            return PcapHandle(source: .pcapng(PcapngReader(file: file)), name: path, nanosecondTimestamps: true)
        case 0xA1B2_C3D4, 0xD4C3_B2A1, 0xA1B2_3C4D, 0x4D3C_B2A1, 0xA1B2_CD34, 0x34CD_B2A1:
            guard file.count >= 24 else { throw .truncated(path: path, offset: 0) }
        default:
            throw .notACaptureFile(path: path, firstBytes: head)
        }
        var errorBuffer = [CChar](repeating: 0, count: Int(PCAP_ERRBUF_SIZE) + 1)
        guard let pcap = pcap_open_offline_with_tstamp_precision(
            path, UInt32(PCAP_TSTAMP_PRECISION_NANO), &errorBuffer)
        else {
            throw .libpcap(operation: "opening \(path)", message: Self.text(errorBuffer))
        }
        let nano = pcap_get_tstamp_precision(pcap) == PCAP_TSTAMP_PRECISION_NANO
        let modified = magic == 0xA1B2_CD34 || magic == 0x34CD_B2A1
        let handle = PcapHandle(source: .file(pcap), name: path, nanosecondTimestamps: nano, recordHeaderLength: modified ? 24 : 16)
        // libpcap opened the file (link type, snapshot length, header checks); records come from the mapping.
        if nano { handle.mappedRecords = MappedPcapRecords(file: file, snapshot: Int(pcap_snapshot(pcap))) }
        return handle
    }

    /// Opens a live capture; needs root or CAP_NET_RAW.
    public static func openLive(_ options: LiveOptions) throws(CaptureError) -> PcapHandle {
        var errorBuffer = [CChar](repeating: 0, count: Int(PCAP_ERRBUF_SIZE) + 1)
        guard let pcap = pcap_create(options.interface, &errorBuffer) else {
            throw .libpcap(operation: "pcap_create \(options.interface)", message: Self.text(errorBuffer))
        }
        var handedOver = false
        defer { if !handedOver { pcap_close(pcap) } }
        pcap_set_snaplen(pcap, Int32(clamping: options.snaplen))
        pcap_set_promisc(pcap, options.promiscuous ? 1 : 0)
        pcap_set_immediate_mode(pcap, options.immediateMode ? 1 : 0)
        pcap_set_buffer_size(pcap, Int32(clamping: options.bufferSize))
        pcap_set_timeout(pcap, Int32(clamping: options.timeoutMilliseconds))
        // Nanosecond time where the platform offers it; otherwise libpcap stays at microseconds.
        _ = pcap_set_tstamp_precision(pcap, Int32(PCAP_TSTAMP_PRECISION_NANO))

        let status = pcap_activate(pcap)
        if status < 0 {
            let message = String(cString: pcap_geterr(pcap))
            switch status {
            case PCAP_ERROR_NO_SUCH_DEVICE:
                throw .unknownInterface(options.interface)
            case PCAP_ERROR_PERM_DENIED, PCAP_ERROR_PROMISC_PERM_DENIED:
                throw .permissionDenied(interface: options.interface, detail: message)
            default:
                let text = message.isEmpty ? String(cString: pcap_statustostr(status)) : message
                throw .libpcap(operation: "activating \(options.interface)", message: text)
            }
        }
        let nano = pcap_get_tstamp_precision(pcap) == PCAP_TSTAMP_PRECISION_NANO
        if let filter = options.filter {
            var program = try Self.compile(filter, on: pcap)
            defer { pcap_freecode(&program) }
            guard pcap_setfilter(pcap, &program) == 0 else {
                throw .badFilter(filter: filter, message: String(cString: pcap_geterr(pcap)))
            }
        }
        handedOver = true
        return PcapHandle(source: .live(pcap), name: options.interface, nanosecondTimestamps: nano)
    }

    // MARK: - Filtering

    /// Installs a BPF filter on a capture file; frames it rejects are counted but not delivered. Frame numbers
    /// stay the file's record numbers. (Live captures take their filter in `LiveOptions`.)
    public func setFilter(_ expression: String?) throws(CaptureError) {
        guard let expression else {
            filter = nil
            return
        }
        let candidate = OfflineFilter(expression: expression)
        // Check the syntax now rather than at the first frame.
        let probeType = linkType ?? .ethernet
        _ = try candidate.program(for: probeType)
        filter = candidate
    }

    static func compile(_ expression: String, on pcap: OpaquePointer) throws(CaptureError) -> bpf_program {
        var program = bpf_program()
        guard pcap_compile(pcap, &program, expression, 1, PCAP_NETMASK_UNKNOWN) == 0 else {
            throw .badFilter(filter: expression, message: String(cString: pcap_geterr(pcap)))
        }
        return program
    }

    // MARK: - Reading

    /// Calls `body` for each frame until the source ends, `breakLoop()` is called or SIGINT/SIGTERM arrives (see
    /// `installSignalHandlers`). A truncated or malformed file ends the run with `summary.warning`; real errors
    /// throw. `tick` is called whenever a live read times out without a packet.
    @discardableResult
    public func forEachFrame(
        tick: (() -> Void)? = nil, _ body: (FrameInfo, Span<UInt8>) -> Void
    ) throws(CaptureError) -> CaptureSummary {
        var summary = CaptureSummary()
        guard !isClosed else { return summary }
        defer {
            if summary.stoppedByRequest { loopBreaker.clearRequest() }
        }
        switch source {
        case .pcapng(var reader):
            defer { source = .pcapng(reader) }
            try readPcapng(&reader, into: &summary, body)
        case .file(let pcap):
            if try readMapped(pcap, into: &summary, body) { return summary }
            try readLibpcap(pcap, live: false, into: &summary, tick: tick, body)
        case .live(let pcap):
            try readLibpcap(pcap, live: true, into: &summary, tick: tick, body)
            summary.statistics = try? stats()
        }
        return summary
    }

    /// Whether SIGINT/SIGTERM (once `installSignalHandlers` ran in this process) stop this handle's loop too. A
    /// handle that reads what a stopped live capture left behind (live `--export-pcap`'s spool) turns it off.
    public var stopsOnSignal = true

    private var stopRequested: Bool { loopBreaker.isRequested || (stopsOnSignal && SignalStop.received) }

    private func readPcapng(
        _ reader: inout PcapngReader, into summary: inout CaptureSummary, _ body: (FrameInfo, Span<UInt8>) -> Void
    ) throws(CaptureError) {
        guard let base = reader.file.base else { return }
        var lastTime = Timestamp.zero
        while true {
            if stopRequested {
                summary.stoppedByRequest = true
                return
            }
            // Frames are lent for one callback only: what lies before the next block is done with.
            reader.file.releaseConsumed(upTo: reader.offset)
            switch reader.next() {
            case .end:
                return
            case .warning(let warning):
                summary.warning = warning
                return
            case .customBlock:
                // Wireshark numbers custom blocks as frames; so do we, so that frame numbers match its own.
                summary.customBlocks += 1
                recordCount += 1
            case .packet(let packet):
                recordCount += 1
                summary.recordsRead += 1
                if let time = packet.timestamp { lastTime = time }
                // The reader checked dataOffset + capturedLength against the mapped file.
                let bytes = UnsafeBufferPointer(
                    start: (base + packet.dataOffset).assumingMemoryBound(to: UInt8.self), count: packet.capturedLength)
                if let filter {
                    guard try filter.accepts(
                        bytes, originalLength: packet.originalLength, linkType: packet.linkType) else { continue }
                }
                let info = FrameInfo(
                    number: recordCount, timestamp: packet.timestamp ?? lastTime, hasTimestamp: packet.timestamp != nil,
                    capturedLength: packet.capturedLength, originalLength: packet.originalLength,
                    linkType: packet.linkType, interfaceIndex: packet.interfaceIndex)
                summary.framesDelivered += 1
                body(info, bytes.span)
            }
        }
    }

    /// Reads classic pcap records from the mapping. Returns true when the run is over (end of file or a stop
    /// request); false when libpcap is to go on (no mapping, or a record it must read: it is seeked there).
    private func readMapped(
        _ pcap: OpaquePointer, into summary: inout CaptureSummary, _ body: (FrameInfo, Span<UInt8>) -> Void
    ) throws(CaptureError) -> Bool {
        guard var records = mappedRecords, let base = records.file.base else { return false }
        defer { mappedRecords = mappedRecords == nil ? nil : records }
        let linkType = LinkType(rawValue: UInt32(bitPattern: pcap_datalink(pcap)))
        while true {
            if stopRequested {
                summary.stoppedByRequest = true
                return true
            }
            switch records.next() {
            case .end:
                return true
            case .handOver:
                mappedRecords = nil
                guard let file = pcap_file(pcap), fseeko(file, off_t(records.offset), SEEK_SET) == 0 else {
                    throw .libpcap(operation: "seeking in \(name)", message: "fseeko to \(records.offset) failed")
                }
                return false
            case .record(let timestamp, let captured, let original, let dataOffset):
                recordCount += 1
                summary.recordsRead += 1
                let bytes = UnsafeBufferPointer(
                    start: captured > 0 ? (base + dataOffset).assumingMemoryBound(to: UInt8.self) : nil, count: captured)
                if let filter {
                    guard try filter.accepts(bytes, originalLength: original, linkType: linkType) else { continue }
                }
                let info = FrameInfo(
                    number: recordCount, timestamp: timestamp, capturedLength: captured, originalLength: original,
                    linkType: linkType)
                summary.framesDelivered += 1
                body(info, bytes.span)
            }
        }
    }

    private func readLibpcap(
        _ pcap: OpaquePointer, live: Bool, into summary: inout CaptureSummary, tick: (() -> Void)?,
        _ body: (FrameInfo, Span<UInt8>) -> Void
    ) throws(CaptureError) {
        let linkType = LinkType(rawValue: UInt32(bitPattern: pcap_datalink(pcap)))
        let file = live ? nil : pcap_file(pcap)
        let subsecondScale: Int64 = nanosecondTimestamps ? 1 : 1000
        // The file offset of the next record, for warnings. Asked of stdio once, then counted: `ftello` per
        // record cost an lseek system call per packet. A record longer than the snapshot length is cut by
        // libpcap (its caplen no longer tells how far it read), so the offset is asked again after one.
        var recordOffset = file.map { Int(ftello($0)) } ?? 0
        let snapshot = Int(pcap_snapshot(pcap))
        while true {
            // Live: a breakLoop reaches us as PCAP_ERROR_BREAK (which also clears libpcap's flag).
            if live ? SignalStop.received : stopRequested {
                summary.stoppedByRequest = true
                return
            }
            var header: UnsafeMutablePointer<pcap_pkthdr>?
            var data: UnsafePointer<UInt8>?
            let status = pcap_next_ex(pcap, &header, &data)
            switch status {
            case 1:
                guard let header else { continue }
                recordCount += 1
                summary.recordsRead += 1
                let captured = Int(header.pointee.caplen)
                if let file {
                    recordOffset = captured >= snapshot ? Int(ftello(file)) : recordOffset + recordHeaderLength + captured
                }
                let bytes = UnsafeBufferPointer(start: captured > 0 ? data : nil, count: data == nil ? 0 : captured)
                if let filter, !live {
                    guard try filter.accepts(bytes, originalLength: Int(header.pointee.len), linkType: linkType)
                    else { continue }
                }
                let time = Timestamp(
                    seconds: Int64(header.pointee.ts.tv_sec),
                    nanoseconds: Int64(header.pointee.ts.tv_usec) &* subsecondScale)
                let info = FrameInfo(
                    number: recordCount, timestamp: time, capturedLength: bytes.count,
                    originalLength: Int(header.pointee.len), linkType: linkType)
                summary.framesDelivered += 1
                body(info, bytes.span)
            case 0:
                tick?()
            case PCAP_ERROR_BREAK:
                // End of file, or pcap_breakloop on a live capture.
                if live || stopRequested { summary.stoppedByRequest = true }
                return
            default:
                let message = String(cString: pcap_geterr(pcap))
                guard !live else { throw .libpcap(operation: "reading from \(name)", message: message) }
                if message.hasPrefix("truncated dump file") {
                    summary.warning = .truncated(path: name, offset: recordOffset)
                } else {
                    summary.warning = .malformedRecord(path: name, offset: recordOffset, reason: message)
                }
                return
            }
        }
    }

    // MARK: - Live control

    /// Stops `forEachFrame` after the frame in progress. Safe from other threads (use `loopBreaker` there).
    public func breakLoop() { loopBreaker.breakLoop() }

    /// libpcap's counters for a live capture.
    public func stats() throws(CaptureError) -> CaptureStatistics {
        guard case .live(let pcap) = source, !isClosed else {
            throw .libpcap(operation: "pcap_stats", message: "statistics exist only for live captures")
        }
        var counters = pcap_stat()
        guard pcap_stats(pcap, &counters) == 0 else {
            throw .libpcap(operation: "pcap_stats", message: String(cString: pcap_geterr(pcap)))
        }
        return CaptureStatistics(
            received: UInt64(counters.ps_recv), droppedByKernel: UInt64(counters.ps_drop),
            droppedByInterface: UInt64(counters.ps_ifdrop))
    }

    /// Makes SIGINT and SIGTERM stop this handle's loop cleanly (the loop returns with `stoppedByRequest`).
    /// One handle at a time receives signals; the last one installed wins.
    public func installSignalHandlers() {
        switch source {
        case .file(let pcap), .live(let pcap): SignalStop.install(target: isClosed ? nil : pcap)
        case .pcapng: SignalStop.install(target: nil)
        }
    }
}

extension PcapHandle {
    /// libpcap's `errbuf`: NUL-terminated text in a fixed buffer.
    static func text(_ buffer: [CChar]) -> String {
        let bytes = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        return String(decoding: bytes, as: UTF8.self)
    }
}

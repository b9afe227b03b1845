import Foundation
import PacketCapture
import TestSupport
import Testing
import WireFormat

@Suite("Offline files: round trip, truncation, bad input")
struct OfflineTests {
    static let times: [Timestamp] = [
        Timestamp(seconds: 1_700_000_000, nanoseconds: 123_456_789),
        Timestamp(seconds: 1_700_000_000, nanoseconds: 999_999_999),
        Timestamp(seconds: 1_700_000_001, nanoseconds: 1),
        Timestamp(seconds: 0, nanoseconds: 0),
    ]

    /// Writes frames of `size` bytes (byte i of frame n = n &+ i) at the given times.
    static func writeSample(_ path: String, sizes: [Int], linkType: LinkType = .ethernet, snaplen: Int = 262_144) throws {
        let writer = try PcapWriter(path: path, linkType: linkType, snaplen: snaplen)
        for (index, size) in sizes.enumerated() {
            let bytes = (0..<size).map { UInt8(truncatingIfNeeded: index &+ $0) }
            try writer.write(timestamp: times[index % times.count], originalLength: size + 7, bytes: bytes.span)
        }
        try writer.close()
    }

    @Test("PcapWriter → PcapHandle round trip keeps bytes and nanosecond timestamps")
    func roundTrip() throws {
        let path = Lab.temporaryPath(".pcap")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let sizes = [60, 1514, 0, 42, 9000]
        try Self.writeSample(path, sizes: sizes, linkType: .linuxSLL)
        let (frames, summary) = try Fixtures.readAll(path)
        #expect(summary.warning == nil)
        #expect(summary.recordsRead == sizes.count && summary.framesDelivered == sizes.count)
        #expect(frames.count == sizes.count)
        for (index, frame) in frames.enumerated() {
            #expect(frame.info.number == index + 1)
            #expect(frame.info.timestamp == Self.times[index % Self.times.count])
            #expect(frame.info.hasTimestamp)
            #expect(frame.info.linkType == .linuxSLL)
            #expect(frame.info.interfaceIndex == 0)
            #expect(frame.info.capturedLength == sizes[index])
            #expect(frame.info.originalLength == sizes[index] + 7)
            #expect(frame.bytes == (0..<sizes[index]).map { UInt8(truncatingIfNeeded: index &+ $0) })
        }
    }

    @Test("writer cuts frames longer than its snaplen and keeps the original length")
    func writerSnaplen() throws {
        let path = Lab.temporaryPath(".pcap")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Self.writeSample(path, sizes: [100], snaplen: 64)
        let (frames, _) = try Fixtures.readAll(path)
        #expect(frames.map(\.info.capturedLength) == [64])
        #expect(frames.map(\.info.originalLength) == [107])
    }

    @Test("a pcap cut at every length delivers every whole record and reports the cut one")
    func truncatedAtEveryLength() throws {
        let path = Lab.temporaryPath(".pcap")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let sizes = [40, 3, 17]
        try Self.writeSample(path, sizes: sizes)
        let full = Fixtures.contents(path)
        var recordStarts: [Int] = []
        var position = 24
        for size in sizes {
            recordStarts.append(position)
            position += 16 + size
        }
        #expect(position == full.count)

        let cutPath = Lab.temporaryPath(".pcap")
        defer { try? FileManager.default.removeItem(atPath: cutPath) }
        for length in 0..<full.count {
            Fixtures.write(Array(full.prefix(length)), to: cutPath)
            if length < 24 {
                #expect(throws: CaptureError.self) { _ = try Fixtures.readAll(cutPath) }
                continue
            }
            let (frames, summary) = try Fixtures.readAll(cutPath)
            let whole = recordStarts.filter { $0 + 16 + sizes[recordStarts.firstIndex(of: $0) ?? 0] <= length }.count
            #expect(frames.count == whole, "cut at \(length)")
            if recordStarts.contains(length) || length == full.count {
                #expect(summary.warning == nil, "cut at \(length) is on a record boundary")
            } else {
                #expect(summary.truncatedAt == recordStarts[whole], "cut at \(length)")
                #expect(summary.warning?.isWarning == true)
                #expect(summary.warning?.description.contains("byte offset \(recordStarts[whole])") == true)
            }
        }
    }

    @Test("zero-length file is not a capture file")
    func zeroLength() throws {
        let path = Lab.temporaryPath(".pcap")
        defer { try? FileManager.default.removeItem(atPath: path) }
        Fixtures.write([], to: path)
        #expect {
            _ = try PcapHandle.openOffline(path: path)
        } throws: { error in
            guard case .notACaptureFile(_, let first) = error as? CaptureError else { return false }
            return first.isEmpty && "\(error)".contains("empty")
        }
    }

    @Test("garbage file: the error shows what the first bytes look like")
    func garbage() throws {
        let path = Lab.temporaryPath(".pcap")
        defer { try? FileManager.default.removeItem(atPath: path) }
        Fixtures.write(Array("<html><body>not a capture</body></html>".utf8), to: path)
        #expect {
            _ = try PcapHandle.openOffline(path: path)
        } throws: { error in
            let text = "\(error)"
            return text.contains("not a pcap or pcapng file") && text.contains("3c 68 74 6d") && text.contains("<html>")
        }
    }

    @Test("missing file and directory")
    func missing() throws {
        #expect(throws: CaptureError.fileNotFound(path: "/nonexistent/blockscope.pcap")) {
            _ = try PcapHandle.openOffline(path: "/nonexistent/blockscope.pcap")
        }
        #expect {
            _ = try PcapHandle.openOffline(path: FileManager.default.temporaryDirectory.path)
        } throws: { error in
            guard case .unreadable = error as? CaptureError else { return false }
            return true
        }
    }

    @Test("header-only pcap has no frames and no warning")
    func headerOnly() throws {
        let path = Lab.temporaryPath(".pcap")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Self.writeSample(path, sizes: [])
        #expect(Fixtures.contents(path).count == 24)
        let (frames, summary) = try Fixtures.readAll(path)
        #expect(frames.isEmpty)
        #expect(summary == CaptureSummary())
    }

    @Test("a lying caplen (huge, or beyond the snaplen) is a warning after the good frames, never a crash",
          arguments: [UInt32(0xFFFF_FFF0), 0x7FFF_FFFF, 300_000, 1000])
    func lyingCaplen(captured: UInt32) throws {
        let path = Lab.temporaryPath(".pcap")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let good = Fixtures.pcapRecord(seconds: 10, microseconds: 5, captured: 4, original: 4, data: [1, 2, 3, 4])
        let liar = Fixtures.pcapRecord(seconds: 11, microseconds: 0, captured: captured, original: 60,
                                       data: [UInt8](repeating: 0xAB, count: 200))
        Fixtures.write(Fixtures.pcapHeader(snaplen: 128) + good + liar, to: path)
        let (frames, summary) = try Fixtures.readAll(path)
        #expect(frames.first?.bytes == [1, 2, 3, 4])
        #expect(frames.first?.info.timestamp == Timestamp(seconds: 10, nanoseconds: 5000))
        #expect(frames.count == 1)
        let warning = try #require(summary.warning)
        #expect(warning.isWarning)
        switch warning {
        case .truncated(_, let offset), .malformedRecord(_, let offset, _): #expect(offset == 24 + good.count)
        default: Issue.record("unexpected \(warning)")
        }
    }

    @Test("offline BPF filter passes matching frames and keeps file frame numbers")
    func offlineFilter() throws {
        let path = Lab.temporaryPath(".pcap")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let writer = try PcapWriter(path: path, linkType: .ethernet)
        for port: UInt16 in [53, 443, 53] {
            try writer.write(timestamp: Timestamp(nanoseconds: Int64(port)),
                             bytes: Fixtures.udpFrame(destinationPort: port, payload: [1, 2, 3]))
        }
        try writer.close()
        let (frames, summary) = try Fixtures.readAll(path, filter: "udp port 443")
        #expect(frames.map(\.info.number) == [2])
        #expect(summary.recordsRead == 3 && summary.framesDelivered == 1)
    }

    @Test("bad offline BPF filter gives libpcap's message and the filter text")
    func badOfflineFilter() throws {
        let path = Lab.temporaryPath(".pcap")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Self.writeSample(path, sizes: [10])
        let handle = try PcapHandle.openOffline(path: path)
        #expect {
            try handle.setFilter("udp port and and")
        } throws: { error in
            guard case .badFilter(let filter, let message) = error as? CaptureError else { return false }
            return filter == "udp port and and" && message.contains("syntax error")
                && "\(error)".contains("udp port and and")
        }
    }

    @Test("breakLoop stops an offline read after the current frame")
    func breakOffline() throws {
        let path = Lab.temporaryPath(".pcap")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Self.writeSample(path, sizes: [1, 2, 3, 4])
        let handle = try PcapHandle.openOffline(path: path)
        var seen = 0
        let first = try handle.forEachFrame { _, _ in
            seen += 1
            if seen == 2 { handle.breakLoop() }
        }
        #expect(first.stoppedByRequest && first.framesDelivered == 2)
        let rest = try handle.forEachFrame { info, _ in #expect(info.number > 2) }
        #expect(!rest.stoppedByRequest && rest.framesDelivered == 2)
    }

    @Test("stats() on a file is an error, not a crash")
    func statsOnFile() throws {
        let path = Lab.temporaryPath(".pcap")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try PcapWriter(path: path, linkType: .ethernet).close()
        let handle = try PcapHandle.openOffline(path: path)
        #expect(throws: CaptureError.self) { _ = try handle.stats() }
    }
}

import CPcap
import Foundation
import PacketCapture
import TestSupport
import Testing
import WireFormat

/// Classic pcap files are read from the mapped file, and from libpcap only from a record that needs it. Every
/// classic pcap of the shared corpus, and every cut of a sample file, must give exactly what libpcap's own
/// `pcap_next_ex` loop gives: the same records, times, lengths and bytes, and the same end.
@Suite("Mapped pcap reader agrees with libpcap")
struct MappedReaderTests {
    struct Record: Equatable {
        var nanoseconds: Int64
        var captured: Int
        var original: Int
        var digest: [UInt8]
    }

    /// libpcap's reading: records, then whether it ended in an error (truncated or malformed), with its message.
    static func libpcapRecords(_ path: String) throws -> (records: [Record], failed: Bool) {
        var errorBuffer = [CChar](repeating: 0, count: Int(PCAP_ERRBUF_SIZE) + 1)
        let pcap = try #require(pcap_open_offline_with_tstamp_precision(path, UInt32(PCAP_TSTAMP_PRECISION_NANO), &errorBuffer))
        defer { pcap_close(pcap) }
        var records: [Record] = []
        while true {
            var header: UnsafeMutablePointer<pcap_pkthdr>?
            var data: UnsafePointer<UInt8>?
            let status = pcap_next_ex(pcap, &header, &data)
            guard status == 1, let header else { return (records, status != PCAP_ERROR_BREAK) }
            let captured = Int(header.pointee.caplen)
            let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: captured)) } ?? []
            records.append(Record(
                nanoseconds: Int64(header.pointee.ts.tv_sec) &* 1_000_000_000 &+ Int64(header.pointee.ts.tv_usec),
                captured: captured, original: Int(header.pointee.len), digest: SHA256.hash(bytes)))
        }
    }

    static func handleRecords(_ path: String) throws -> (records: [Record], failed: Bool) {
        let handle = try PcapHandle.openOffline(path: path)
        defer { handle.close() }
        var records: [Record] = []
        let summary = try handle.forEachFrame { info, bytes in
            let copy = (0..<bytes.count).map { bytes[$0] }
            records.append(Record(
                nanoseconds: info.timestamp.nanoseconds, captured: info.capturedLength, original: info.originalLength,
                digest: SHA256.hash(copy)))
        }
        return (records, summary.warning != nil)
    }

    static func isClassicPcap(_ path: String) -> Bool {
        guard let handle = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? handle.close() }
        let head = [UInt8](handle.readData(ofLength: 4))
        return [[0xa1, 0xb2, 0xc3, 0xd4], [0xd4, 0xc3, 0xb2, 0xa1], [0xa1, 0xb2, 0x3c, 0x4d], [0x4d, 0x3c, 0xb2, 0xa1]]
            .contains(head)
    }

    @Test(
        "every classic pcap of the shared corpus reads as libpcap reads it",
        .enabled(if: Lab.sharedCapturesEnabled, Lab.sharedCapturesComment))
    func sharedCorpus() throws {
        try #require(Lab.sharedCapturesAvailable, "../shared/captures is missing")
        let files = try Lab.corpusEntries().map { Lab.sharedCaptures.appendingPathComponent($0).path }.filter(Self.isClassicPcap)
        #expect(files.count > 100)
        var records = 0
        for path in files {
            let expected = try Self.libpcapRecords(path)
            let seen = try Self.handleRecords(path)
            #expect(seen.records.count == expected.records.count, "\(path)")
            #expect(seen.records == expected.records, "\(path)")
            #expect(seen.failed == expected.failed, "\(path)")
            records += seen.records.count
        }
        print("mapped pcap reader: \(files.count) classic pcap files, \(records) records, all as libpcap reads them")
    }

    @Test("cut files and lying lengths: the mapped reader hands over to libpcap at the same record")
    func cutsAndLies() throws {
        let path = Lab.temporaryPath(".pcap")
        let cutPath = Lab.temporaryPath(".pcap")
        defer {
            try? FileManager.default.removeItem(atPath: path)
            try? FileManager.default.removeItem(atPath: cutPath)
        }
        let writer = try PcapWriter(path: path, linkType: .ethernet, snaplen: 96)
        for (index, size) in [60, 140, 0, 96, 1].enumerated() {
            try writer.write(timestamp: Timestamp(seconds: 1_700_000_000 + Int64(index), nanoseconds: Int64(index) * 7),
                             bytes: (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ index) })
        }
        try writer.close()
        var full = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        // A record claiming more than the snaplen: libpcap's to cut or refuse.
        full += [0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 200, 0, 0, 0, 200] + [UInt8](repeating: 0xab, count: 200)
        for length in 24...full.count {
            try Data(full.prefix(length)).write(to: URL(fileURLWithPath: cutPath))
            let expected = try Self.libpcapRecords(cutPath)
            let seen = try Self.handleRecords(cutPath)
            #expect(seen.records == expected.records, "cut at \(length)")
            #expect(seen.failed == expected.failed, "cut at \(length)")
        }
    }
}

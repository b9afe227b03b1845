import Foundation
import PacketCapture
import TestSupport
import Testing
import WireFormat

/// Hand-made pcapng files for what the corpus has little of: several sections in both byte orders, `if_tsresol`
/// (decimal and binary), `if_tsoffset`, Simple Packet Blocks, custom and unknown blocks, and damage.
@Suite("pcapng reader")
struct PcapngTests {
    typealias F = Fixtures

    /// Blocks of the sample file, and which of them carry packets.
    static let blocks: [(bytes: [UInt8], isPacket: Bool)] = [
        (F.sectionHeader(), false),
        (F.interface(linkType: 1, snaplen: 0), false),  // 0: Ethernet, microseconds
        (F.interface(linkType: 0, snaplen: 64, tsresol: 9, tsoffset: 100), false),  // 1: NULL, ns, +100 s
        (F.enhancedPacket(interface: 1, units: 1_500_000_001, data: [2, 0, 0, 0, 0x45]), true),
        (F.enhancedPacket(interface: 0, units: 1_340_954_905_298_858, data: [0xAA, 0xBB], original: 60), true),
        (F.block(0x0000_0BAD, [0, 0, 0x7F, 0xFF, 1, 2, 3]), false),  // custom block (PEN 32767)
        (F.simplePacket(data: [9, 8, 7], original: 3), true),  // interface 0, no time
        (F.block(0x1234_5678, [1, 2, 3, 4]), false),  // unknown type: skipped
        (F.sectionHeader(bigEndian: true), false),
        (F.interface(linkType: 101, snaplen: 0, tsresol: 0x80 | 10, bigEndian: true), false),  // raw, 2^-10 s
        (F.enhancedPacket(interface: 0, units: 5 * 1024 + 512, data: [0x60, 0, 0, 0], bigEndian: true), true),
    ]

    static var sample: [UInt8] { blocks.flatMap(\.bytes) }

    @Test("sections, interfaces, resolutions, offsets, SPB and custom blocks")
    func sampleFile() throws {
        let path = Lab.temporaryPath(".pcapng")
        defer { try? FileManager.default.removeItem(atPath: path) }
        F.write(Self.sample, to: path)
        let (frames, summary) = try F.readAll(path)
        #expect(summary.warning == nil)
        #expect(summary.customBlocks == 1)
        // Wireshark numbers the custom block as frame 3; frame numbers stay Wireshark's.
        #expect(frames.map(\.info.number) == [1, 2, 4, 5])
        #expect(frames.map(\.info.linkType) == [.null, .ethernet, .ethernet, .dltRaw])
        #expect(frames.map(\.info.interfaceIndex) == [1, 0, 0, 0])
        #expect(frames.map(\.info.timestamp) == [
            Timestamp(nanoseconds: 101_500_000_001),
            Timestamp(seconds: 1_340_954_905, nanoseconds: 298_858_000),
            Timestamp(seconds: 1_340_954_905, nanoseconds: 298_858_000),  // SPB: previous frame's time
            Timestamp(nanoseconds: 5_500_000_000),
        ])
        #expect(frames.map(\.info.hasTimestamp) == [true, true, false, true])
        #expect(frames.map(\.bytes) == [[2, 0, 0, 0, 0x45], [0xAA, 0xBB], [9, 8, 7], [0x60, 0, 0, 0]])
        #expect(frames.map(\.info.originalLength) == [5, 60, 3, 4])
    }

    @Test("cut at every length: whole packet blocks before the cut are delivered, the cut block is reported")
    func truncatedAtEveryLength() throws {
        let full = Self.sample
        var starts: [Int] = []
        var position = 0
        for block in Self.blocks {
            starts.append(position)
            position += block.bytes.count
        }
        let path = Lab.temporaryPath(".pcapng")
        defer { try? FileManager.default.removeItem(atPath: path) }
        for length in 0...full.count {
            F.write(Array(full.prefix(length)), to: path)
            if length < 4 {
                #expect(throws: CaptureError.self) { _ = try F.readAll(path) }
                continue
            }
            let (frames, summary) = try F.readAll(path)
            let complete = zip(starts, Self.blocks).filter { $0.0 + $0.1.bytes.count <= length }
            #expect(frames.count == complete.filter(\.1.isPacket).count, "cut at \(length)")
            if starts.contains(length) || length == full.count {
                #expect(summary.warning == nil, "cut at \(length)")
            } else {
                #expect(summary.truncatedAt == starts[complete.count], "cut at \(length)")
            }
        }
    }

    static let malformedBlocks: [(String, [UInt8])] = {
        let zeros8 = [UInt8](repeating: 0, count: 8)
        var beyond: [UInt8] = F.le32(6) + F.le32(36)
        beyond += F.le32(0) + F.le32(0) + F.le32(0)
        beyond += F.le32(1000) + F.le32(1000) + F.le32(0) + F.le32(36)
        return [
            ("length not a multiple of 4", F.le32(6) + F.le32(13) + zeros8),
            ("length below 12", F.le32(6) + F.le32(8)),
            ("trailing length differs", F.le32(0x1234) + F.le32(12) + F.le32(16)),
            ("undeclared interface", F.enhancedPacket(interface: 7, units: 0, data: [1])),
            ("captured length beyond block", beyond),
        ]
    }()

    @Test("impossible lengths and references are malformed-record warnings", arguments: Self.malformedBlocks)
    func malformed(name: String, bad: [UInt8]) throws {
        let path = Lab.temporaryPath(".pcapng")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let good = F.sectionHeader() + F.interface(linkType: 1) + F.enhancedPacket(interface: 0, units: 1, data: [1])
        F.write(good + bad + F.enhancedPacket(interface: 0, units: 2, data: [2]), to: path)
        let (frames, summary) = try F.readAll(path)
        #expect(frames.map(\.bytes) == [[1]], "\(name)")
        guard case .malformedRecord(_, let offset, _) = summary.warning else {
            Issue.record("\(name): expected a malformed-record warning, got \(String(describing: summary.warning))")
            return
        }
        #expect(offset == good.count, "\(name)")
    }

    @Test("a block length far beyond the file is a truncation, not a read past the end")
    func hugeLength() throws {
        let path = Lab.temporaryPath(".pcapng")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let head = F.sectionHeader() + F.interface(linkType: 1)
        F.write(head + F.le32(6) + F.le32(0xFFFF_FFF0) + [UInt8](repeating: 0, count: 40), to: path)
        let (frames, summary) = try F.readAll(path)
        #expect(frames.isEmpty)
        #expect(summary.truncatedAt == head.count)
    }

    @Test("offline filter compiles per link type in a mixed file")
    func filterMixedLinkTypes() throws {
        let path = Lab.temporaryPath(".pcapng")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let udp = F.udpFrame(destinationPort: 443, payload: [1])
        F.write(Self.sample + F.sectionHeader() + F.interface(linkType: 1)
                + F.enhancedPacket(interface: 0, units: 7, data: udp), to: path)
        let (frames, summary) = try F.readAll(path, filter: "udp port 443")
        #expect(frames.map(\.info.number) == [6])  // 5 records + the custom block before it
        #expect(summary.recordsRead == 5)
    }
}

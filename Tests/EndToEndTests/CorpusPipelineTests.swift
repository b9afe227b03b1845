import Blockscope
import Foundation
import PacketCapture
import TestSupport
import Testing
import WireFormat

/// Every one of the shared captures goes through the whole pipeline (capture → dissector → flows) to the end:
/// no crash, no hang, every frame accounted for exactly once, unsupported link types counted by number.
@Suite("Shared captures through the pipeline", .enabled(if: Lab.sharedCapturesEnabled, Lab.sharedCapturesComment))
struct CorpusPipelineTests {
    @Test func everyCaptureIsReadToTheEndAndEveryFrameIsAccountedFor() throws {
        try #require(Lab.sharedCapturesAvailable, "../shared/captures is missing")
        var totals = TrafficStatistics()
        var flows = 0
        var files = 0
        for file in try Lab.corpusEntries() {
            let handle = try PcapHandle.openOffline(path: Lab.sharedCaptures.appendingPathComponent(file).path)
            defer { handle.close() }
            let analyzer = Analyzer()
            let result = try handle.forEachFrame { frame, bytes in
                analyzer.process(bytes, linkType: frame.linkType, timestamp: frame.timestamp, wireLength: frame.originalLength)
            }
            let statistics = analyzer.statistics
            #expect(result.warning == nil, "\(file): \(String(describing: result.warning))")
            #expect(statistics.packets == result.framesDelivered, "\(file)")
            let dissected = statistics.byProtocol.values.reduce(0, +)
            let notIP = statistics.skipped.filter { if case .notIP = $0.key { true } else { false } }.values.reduce(0, +)
            let accounted = dissected - notIP + statistics.malformed.values.reduce(0, +)
                + statistics.skipped.values.reduce(0, +)
            #expect(accounted == statistics.packets, "\(file): \(accounted) accounted of \(statistics.packets)")
            flows += analyzer.finish().count
            files += 1
            totals.packets += statistics.packets
            for (key, count) in statistics.malformed { totals.malformed[key, default: 0] += count }
            for (key, count) in statistics.skipped { totals.skipped[key, default: 0] += count }
        }
        print("pipeline over shared captures: \(files) files, \(totals.packets) packets, \(flows) flows")
        print("  malformed: \(totals.malformedCounts.map { "\($0.0) \($0.1)" }.joined(separator: ", "))")
        print("  skipped:   \(totals.skippedCounts.map { "\($0.0) \($0.1)" }.joined(separator: ", "))")
        #expect(totals.skipped[.unsupportedLinkType(LinkType(rawValue: 149))] == 1)
    }

    @Test func unsupportedLinkTypeGetsAClearMessage() throws {
        try #require(Lab.sharedCapturesAvailable, "../shared/captures is missing")
        let path = Lab.sharedCaptures.appendingPathComponent("tcpdump/LINKTYPE_USER2_PKTAP.pcap").path
        let result = try CLI.run(["analyze", path])
        #expect(result.status == 0)
        #expect(result.standardError.contains("link type 149 is not supported"), "\(result.standardError)")
        #expect(result.standardOutput.contains("unsupported-link-type-149 1"))
    }
}

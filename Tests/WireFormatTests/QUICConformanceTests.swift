import Foundation
import PacketCapture
import TestSupport
import Testing
import WireFormat

/// QUIC versions per datagram against tshark 4.0 (`quic.version` of the shared captures' `.tshark.tsv`): for
/// every UDP datagram where tshark decoded at least one QUIC long header, `QUICPacketWalker` must find the same
/// versions, in the same order.
@Suite("QUIC versions agree with tshark", .enabled(if: Lab.sharedCapturesEnabled, Lab.sharedCapturesComment))
struct QUICConformanceTests {
    @Test func walkerFindsTsharksVersions() throws {
        try #require(Lab.sharedCapturesAvailable, "../shared/captures is missing")
        var files = 0
        var datagrams = 0
        var agreed = 0
        var coalesced = 0
        var probed = 0
        var disagreements: [String] = []
        for entry in try Lab.corpusEntries() {
            let path = Lab.sharedCaptures.appendingPathComponent(entry).path
            let rows = try TsharkTable(path: path + ".tshark.tsv")
            guard (0..<rows.count).contains(where: { rows.row($0).value("quic.version") != nil }) else { continue }
            files += 1
            let handle = try PcapHandle.openOffline(path: path)
            defer { handle.close() }
            let dissector = Dissector()
            var summary = PacketSummary()
            _ = try handle.forEachFrame { frame, bytes in
                guard frame.number <= rows.count else { return }
                let row = rows.row(frame.number - 1)
                guard let column = row.value("quic.version") else { return }
                // tshark joins the values of all occurrences with ';' (one per coalesced long-header packet).
                let theirs = column.split(separator: ";").map(String.init)
                dissector.dissect(
                    bytes, linkType: frame.linkType, timestamp: frame.timestamp, wireLength: frame.originalLength,
                    into: &summary)
                guard summary.udp != nil else {
                    disagreements.append("\(entry) frame \(frame.number): no UDP datagram")
                    return
                }
                datagrams += 1
                let (ours, looksLike) = dissector.withPayload(of: summary, in: bytes) { payload in
                    var versions: [String] = []
                    var walker = QUICPacketWalker(payload)
                    while let range = try? walker.next() {
                        // The walker validated the packet: its version field is bytes 1–4.
                        let start = range.lowerBound
                        let version = (1...4).reduce(UInt32(0)) { $0 << 8 | UInt32(payload[start + $1]) }
                        versions.append(QUICVersion(rawValue: version).hex)
                    }
                    return (versions, QUICLongHeader.looksLikeQUIC(payload))
                }
                if ours == theirs {
                    agreed += 1
                } else {
                    disagreements.append("\(entry) frame \(frame.number): tshark \(theirs), here \(ours)")
                }
                if ours.count > 1 { coalesced += 1 }
                if looksLike { probed += 1 }
            }
        }
        print("QUIC versions vs tshark: \(files) captures, \(datagrams) datagrams with a QUIC long header, "
            + "\(agreed) agree, \(coalesced) with coalesced long-header packets, \(probed) pass looksLikeQUIC")
        for line in disagreements { Issue.record(Comment(rawValue: line)) }
    }
}

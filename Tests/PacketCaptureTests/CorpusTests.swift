import Foundation
import PacketCapture
import TestSupport
import Testing
import WireFormat

/// Every capture of `../shared/captures/corpus.json` is read to the end and compared frame by frame with tshark's
/// dissection (`<file>.tshark.tsv`): record count, `frame.time_epoch`, `frame.cap_len`, `frame.interface_id`.
@Suite("Shared capture corpus")
struct CorpusTests {
    struct Entry: Decodable {
        var file: String
        var format: String
        var linktypes: String
        var packets: Int
    }

    /// One tshark row: nil time / interface where the column is empty.
    struct TruthRow {
        var time: Int64?
        var interface: Int?
        var capturedLength: Int?
    }

    struct Seen {
        var timestamp: Timestamp
        var hasTimestamp: Bool
        var capturedLength: Int
        var interfaceIndex: Int
        var linkType: LinkType
    }

    @Test(
        "every corpus capture reads to the end and agrees with tshark",
        .enabled(if: Lab.sharedCapturesEnabled, Lab.sharedCapturesComment))
    func corpusAgreesWithTShark() throws {
        guard Lab.sharedCapturesAvailable else {
            Issue.record("shared captures are required but missing at \(Lab.sharedCaptures.path)")
            return
        }
        let root = Lab.sharedCaptures
        let data = try Data(contentsOf: root.appendingPathComponent("corpus.json"))
        let entries = try JSONDecoder().decode([Entry].self, from: data)
        #expect(entries.count > 0)

        var files = 0, frames = 0, rowsCompared = 0, timeAgree = 0, lengthAgree = 0
        var interfaceCompared = 0, interfaceAgree = 0, untimedFrames = 0, warnings: [String] = []
        var multiLinkFiles = 0

        for entry in entries {
            let path = root.appendingPathComponent(entry.file).path
            let handle: PcapHandle
            do {
                handle = try PcapHandle.openOffline(path: path)
            } catch {
                Issue.record("\(entry.file): \(error)")
                continue
            }
            var seen: [Seen] = []
            let summary = try handle.forEachFrame { info, bytes in
                #expect(bytes.count == info.capturedLength)
                seen.append(Seen(
                    timestamp: info.timestamp, hasTimestamp: info.hasTimestamp, capturedLength: info.capturedLength,
                    interfaceIndex: info.interfaceIndex, linkType: info.linkType))
            }
            files += 1
            frames += seen.count
            if let warning = summary.warning { warnings.append("\(entry.file): \(warning)") }
            if Set(seen.map(\.linkType)).count > 1 { multiLinkFiles += 1 }

            // tshark shows pcapng Custom Blocks as frames too; the corpus counts them.
            #expect(
                seen.count + summary.customBlocks == entry.packets,
                "\(entry.file): \(seen.count) frames + \(summary.customBlocks) custom blocks, corpus says \(entry.packets)")
            #expect(summary.recordsRead == seen.count)

            let truth = try Self.truthRows(root.appendingPathComponent(entry.file + ".tshark.tsv"))
            #expect(truth.count == entry.packets, "\(entry.file): tsv rows \(truth.count) vs corpus \(entry.packets)")
            let isPcapng = entry.format.hasPrefix("pcapng")
            // Custom blocks are the pcapng rows without an interface.
            let packetRows = isPcapng ? truth.filter { $0.interface != nil } : truth
            guard packetRows.count == seen.count else {
                Issue.record("\(entry.file): \(packetRows.count) packet rows in tsv vs \(seen.count) frames")
                continue
            }
            for (row, frame) in zip(packetRows, seen) {
                rowsCompared += 1
                if let time = row.time {
                    if frame.hasTimestamp && frame.timestamp.nanoseconds == time {
                        timeAgree += 1
                    } else {
                        Issue.record("\(entry.file) frame \(rowsCompared): time \(frame.timestamp) vs tshark \(time)")
                    }
                } else if !frame.hasTimestamp {
                    timeAgree += 1
                    untimedFrames += 1
                }
                if row.capturedLength == frame.capturedLength { lengthAgree += 1 }
                if let interface = row.interface {
                    interfaceCompared += 1
                    if interface == frame.interfaceIndex { interfaceAgree += 1 }
                }
            }
        }

        print("""
            corpus: \(files)/\(entries.count) files, \(frames) frames (\(multiLinkFiles) files mixing link types); \
            tshark rows compared \(rowsCompared): time \(timeAgree) agree (\(untimedFrames) untimed SPB), \
            cap_len \(lengthAgree) agree, interface_id \(interfaceAgree)/\(interfaceCompared) agree; \
            warnings \(warnings.count)
            """)
        for warning in warnings { print("  warning: \(warning)") }
        #expect(files == entries.count)
        #expect(timeAgree == rowsCompared)
        #expect(lengthAgree == rowsCompared)
        #expect(interfaceAgree == interfaceCompared)
    }

    static func truthRows(_ url: URL) throws -> [TruthRow] {
        let text = try String(contentsOf: url, encoding: .utf8)
        var lines = text.split(separator: "\n", omittingEmptySubsequences: true)
        guard !lines.isEmpty else { return [] }
        let header = lines.removeFirst().split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
        let timeColumn = header.firstIndex(of: "frame.time_epoch")
        let interfaceColumn = header.firstIndex(of: "frame.interface_id")
        let lengthColumn = header.firstIndex(of: "frame.cap_len")
        return lines.map { line in
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
            func field(_ index: Int?) -> Substring? {
                guard let index, index < fields.count, !fields[index].isEmpty else { return nil }
                return fields[index]
            }
            return TruthRow(
                time: field(timeColumn).flatMap(Self.nanoseconds),
                interface: field(interfaceColumn).flatMap { Int($0) },
                capturedLength: field(lengthColumn).flatMap { Int($0) })
        }
    }

    /// `seconds.fraction` → nanoseconds, exactly (no floating point).
    ///
    /// One quirk: a record whose microsecond field is ≥ 2^31 (fuzzed files) is read by libpcap and Wireshark as a
    /// negative sub-second part; tshark then prints `-<seconds>.<|nanoseconds|>` with more than 9 fraction digits,
    /// meaning seconds − |nanoseconds|.
    static func nanoseconds(_ text: Substring) -> Int64? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        if parts.count == 2, parts[1].count > 9, parts[0].hasPrefix("-"),
           let seconds = Int64(parts[0].dropFirst()), let fraction = Int64(parts[1]) {
            return seconds * 1_000_000_000 - fraction
        }
        guard let seconds = Int64(parts[0]) else { return nil }
        var fraction: Int64 = 0
        if parts.count > 1 {
            let digits = String(parts[1].prefix(9)).padding(toLength: 9, withPad: "0", startingAt: 0)
            guard let value = Int64(digits) else { return nil }
            fraction = value
        }
        return seconds * 1_000_000_000 + (seconds < 0 ? -fraction : fraction)
    }
}

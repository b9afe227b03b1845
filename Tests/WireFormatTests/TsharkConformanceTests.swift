import Foundation
import PacketCapture
import TestSupport
import Testing
import WireFormat

/// Per-frame agreement with an independent dissector: tshark 4.0's dissection of the 366 shared captures
/// (`../shared/captures/**/*.tshark.tsv`). For every frame of a supported link type, the IP source and
/// destination, TTL / hop limit, ports, TCP flags and TCP payload length must equal tshark's; every
/// disagreement is fixed or listed, with its reason, in `Tests/tshark-allowlist.tsv`.
@Suite("Conformance with tshark", .enabled(if: Lab.sharedCapturesEnabled, Lab.sharedCapturesComment))
struct TsharkConformanceTests {
    enum Field: String, CaseIterable {
        case network, source, destination, ttl, ports, flags, length
    }

    struct Tally {
        var compared: [Field: Int] = [:]
        var agreed: [Field: Int] = [:]
        /// (file, field) → disagreeing frame numbers (first few kept for the message).
        var disagreements: [String: [Int]] = [:]
        var frames = 0
        var files = 0
        var unsupportedFrames = 0
    }

    @Test func everyFrameAgreesWithTshark() throws {
        try #require(Lab.sharedCapturesAvailable, "../shared/captures is missing")
        let allowlist = try Allowlist.load("Tests/tshark-allowlist.tsv")
        var tally = Tally()
        for entry in try Lab.corpusEntries() {
            try compare(file: entry, tally: &tally)
        }
        print("tshark conformance: \(tally.files) captures, \(tally.frames) frames compared, "
            + "\(tally.unsupportedFrames) frames of unsupported link types skipped")
        for field in Field.allCases {
            let compared = tally.compared[field, default: 0]
            let agreed = tally.agreed[field, default: 0]
            let percent = compared == 0 ? 100 : Double(agreed) * 100 / Double(compared)
            print("  \(field.rawValue.padding(toLength: 12, withPad: " ", startingAt: 0)) "
                + "\(agreed)/\(compared) agree (\(String(format: "%.3f", percent))%)")
        }
        let listed = tally.disagreements.keys.filter { allowlist.entries[$0] != nil }.count
        print("  disagreements: \(tally.disagreements.count) (file, field) pairs, \(listed) of them allowlisted")
        for (key, frames) in tally.disagreements.sorted(by: { $0.key < $1.key }) {
            guard let allowed = allowlist.entries[key] else {
                Issue.record("disagreement with tshark not in Tests/tshark-allowlist.tsv: \(key), frames \(frames.prefix(8))")
                continue
            }
            #expect(frames.count <= allowed, "\(key): \(frames.count) frames disagree, allowlist says at most \(allowed)")
        }
        for key in allowlist.entries.keys where tally.disagreements[key] == nil {
            Issue.record("stale allowlist entry (no longer disagrees, remove it): \(key)")
        }
    }

    private func compare(file: String, tally: inout Tally) throws {
        let path = Lab.sharedCaptures.appendingPathComponent(file).path
        let rows = try TsharkTable(path: path + ".tshark.tsv")
        let handle = try PcapHandle.openOffline(path: path)
        defer { handle.close() }
        let dissector = Dissector()
        var summary = PacketSummary()
        var frameNumber = 0
        tally.files += 1
        let result = try handle.forEachFrame { frame, bytes in
            frameNumber = frame.number
            dissector.dissect(
                bytes, linkType: frame.linkType, timestamp: frame.timestamp, wireLength: frame.originalLength,
                into: &summary)
            guard frame.linkType.isSupported else {
                tally.unsupportedFrames += 1
                return
            }
            guard frameNumber <= rows.count else {
                tally.disagreements["\(file)\tframes", default: []].append(frameNumber)
                return
            }
            tally.frames += 1
            compareFrame(summary, rows.row(frameNumber - 1), file: file, frame: frameNumber, tally: &tally)
        }
        if result.recordsRead + result.customBlocks != rows.count || result.warning != nil {
            tally.disagreements["\(file)\tframes", default: []].append(rows.count)
        }
    }

    private func compareFrame(_ ours: PacketSummary, _ row: TsharkTable.Row, file: String, frame: Int, tally: inout Tally) {
        func check(_ field: Field, _ agree: Bool) {
            tally.compared[field, default: 0] += 1
            if agree {
                tally.agreed[field, default: 0] += 1
            } else {
                tally.disagreements["\(file)\t\(field.rawValue)", default: []].append(frame)
            }
        }
        let theirVersion = row.outerIPVersion
        guard let network = ours.network else {
            check(.network, theirVersion == nil)
            return
        }
        check(.network, theirVersion == Int(network.version))
        guard theirVersion == Int(network.version) else { return }
        let prefix = network.version == 4 ? "ip" : "ipv6"
        check(.source, row.first("\(prefix).src") == network.source.description)
        check(.destination, row.first("\(prefix).dst") == network.destination.description)
        check(.ttl, row.first(network.version == 4 ? "ip.ttl" : "ipv6.hlim") == String(network.timeToLive))
        // Tunnels are not decapsulated yet: tshark's transport fields describe the inner packet.
        guard ours.tunnel == nil || ours.udp != nil else { return }

        var ourPorts: (UInt16, UInt16, String)?
        switch ours.transport {
        case .tcp(let tcp): ourPorts = (tcp.sourcePort, tcp.destinationPort, "tcp")
        case .udp(let udp): ourPorts = (udp.sourcePort, udp.destinationPort, "udp")
        case .icmp(let icmp):
            if let quoted = icmp.quoted, let source = quoted.sourcePort, let destination = quoted.destinationPort {
                ourPorts = (source, destination, quoted.network.transportProtocol == .tcp ? "tcp" : "udp")
            }
        default: break
        }
        let theirTCP = row.first("tcp.srcport").map { ($0, row.first("tcp.dstport") ?? "") }
        let theirUDP = row.first("udp.srcport").map { ($0, row.first("udp.dstport") ?? "") }
        if let (source, destination, kind) = ourPorts {
            // tshark shows a fragmented datagram's transport only once it is reassembled, on the last fragment.
            let unreassembledFirstFragment = network.fragment != nil && !ours.anomalies.contains(.reassembled)
            let theirs = kind == "tcp" ? theirTCP : theirUDP
            if theirs == nil, unreassembledFirstFragment { return }
            check(.ports, theirs.map { $0.0 == String(source) && $0.1 == String(destination) } ?? false)
        } else {
            let theirs = theirTCP ?? theirUDP
            if theirs != nil { check(.ports, false) }
        }
        if let tcp = ours.tcp, theirTCP != nil {
            let flags = row.first("tcp.flags").flatMap { UInt16($0.dropFirst(2), radix: 16) }
            check(.flags, flags == tcp.flags.rawValue)
            check(.length, row.first("tcp.len") == String(ours.payload.length))
        }
    }
}


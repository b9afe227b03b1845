import Blockscope
import FlowTracking
import Foundation
import PacketCapture
import TestSupport
import Testing
import WireFormat

/// `conn_state` and `history` against Zeek's own conn.log baselines (`../shared/captures/**/X.pcap.gt/**/conn.log`,
/// from Zeek's btests, run on `X.pcap`). Every row is matched to our flow by its 5-tuple (ICMP by addresses, as
/// our ICMP flows have no ports); every disagreement is fixed or listed with its reason in
/// `Tests/zeek-allowlist.tsv` (`capture<TAB>orig_h:orig_p>resp_h:resp_p<TAB>field<TAB>reason`), and a listed line
/// that no longer disagrees fails too.
@Suite("Zeek conn_state and history vs Zeek's baselines", .enabled(if: Lab.sharedCapturesEnabled, Lab.sharedCapturesComment))
struct ZeekAgreementTests {
    /// Baselines whose btest changes what Zeek sees, by name of the btest folder.
    static let skippedBaselines: [String: String] = [
        "core.print-bpf-filters": "run with PacketFilter::restricted_filter=\"vlan\": Zeek saw only the VLAN-tagged packets"
    ]

    struct Row {
        var proto: String
        var originator: Endpoint
        var responder: Endpoint
        var state: String
        var history: String
        var tuple: String { "\(originator.address):\(originator.port)>\(responder.address):\(responder.port)" }
    }

    /// The rows of a conn.log, or nil when the baseline lacks the columns compared (a `btest-diff-cut` excerpt).
    static func rows(of text: String) -> [Row]? {
        var columns: [String: Int] = [:]
        var rows: [Row] = []
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            if line.hasPrefix("#fields") {
                for (index, name) in fields.dropFirst().enumerated() { columns[name] = index }
                continue
            }
            if line.hasPrefix("#") { continue }
            let names = ["proto", "id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p", "conn_state", "history"]
            guard names.allSatisfy({ columns[$0] != nil }) else { return nil }
            func field(_ name: String) -> String {
                guard let index = columns[name], index < fields.count else { return "" }
                return fields[index]
            }
            guard let a = IPAddress(field("id.orig_h")), let b = IPAddress(field("id.resp_h")),
                let ap = UInt16(field("id.orig_p")), let bp = UInt16(field("id.resp_p"))
            else { continue }
            let history = field("history")
            rows.append(
                Row(
                    proto: field("proto"), originator: Endpoint(address: a, port: ap), responder: Endpoint(address: b, port: bp),
                    state: field("conn_state"), history: history == "-" ? "" : history))
        }
        return columns.isEmpty ? nil : rows
    }

    struct AllowlistLineError: Error, CustomStringConvertible {
        var line: Int
        var description: String { "Tests/zeek-allowlist.tsv line \(line): expected capture, tuple, field, reason" }
    }

    /// `capture<TAB>tuple<TAB>field` → reason.
    static func allowlist() throws -> [String: String] {
        let url = Lab.packageRoot.appendingPathComponent("Tests/zeek-allowlist.tsv")
        var entries: [String: String] = [:]
        let text = try String(contentsOf: url, encoding: .utf8)
        for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            if line.isEmpty || line.hasPrefix("#") { continue }
            let parts = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard parts.count == 4, !parts[3].isEmpty else {
                throw AllowlistLineError(line: number + 1)
            }
            entries["\(parts[0])\t\(parts[1])\t\(parts[2])"] = String(parts[3])
        }
        return entries
    }

    /// Every `conn.log` under a `.gt` folder of the shared captures, with the capture it belongs to.
    static func baselines() -> [(capture: String, baseline: String, log: URL)] {
        let root = Lab.sharedCaptures
        guard let walker = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil) else { return [] }
        var found: [(String, String, URL)] = []
        let prefix = root.standardizedFileURL.path + "/"
        for case let url as URL in walker where url.lastPathComponent == "conn.log" {
            let path = url.standardizedFileURL.path
            guard path.hasPrefix(prefix), let range = path.range(of: ".gt/") else { continue }
            let capture = String(path[prefix.endIndex..<range.lowerBound])
            let baseline = url.deletingLastPathComponent().lastPathComponent
            found.append((capture, baseline, url))
        }
        return found.sorted { ($0.0, $0.1) < ($1.0, $1.1) }
    }

    static func flows(of capture: String) throws -> [Flow] {
        let handle = try PcapHandle.openOffline(path: Lab.sharedCaptures.appendingPathComponent(capture).path)
        defer { handle.close() }
        let analyzer = Analyzer()
        try handle.forEachFrame { frame, bytes in
            analyzer.process(bytes, linkType: frame.linkType, timestamp: frame.timestamp, wireLength: frame.originalLength)
        }
        return analyzer.finish()
    }

    static func protocolName(_ flow: Flow) -> String {
        switch flow.key.transportProtocol {
        case .tcp: "tcp"
        case .udp: "udp"
        case .icmp, .icmpv6: "icmp"
        default: flow.key.transportProtocol.name
        }
    }

    @Test func connStateAndHistoryAgreeWithZeek() throws {
        try #require(Lab.sharedCapturesAvailable, "../shared/captures is missing")
        let allowlist = try Self.allowlist()
        let baselines = Self.baselines()
        #expect(baselines.count >= 18, "expected Zeek's 18 conn.log baselines, found \(baselines.count)")
        var rowsSeen = 0, matched = 0, sameDirection = 0, stateAgree = 0, historyAgree = 0
        var disagreements: [String: String] = [:]
        var flowCache: [String: [Flow]] = [:]
        for (capture, baseline, log) in baselines {
            if let reason = Self.skippedBaselines[baseline] {
                print("  skipped \(capture) \(baseline): \(reason)")
                continue
            }
            guard let rows = Self.rows(of: try String(contentsOf: log, encoding: .utf8)) else {
                print("  skipped \(capture) \(baseline): no 5-tuple columns (a btest-diff-cut excerpt)")
                continue
            }
            let flows = try flowCache[capture] ?? Self.flows(of: capture)
            flowCache[capture] = flows
            // A 5-tuple Zeek logged more than once (reused after a close, or after an idle timeout): the flow table
            // also starts a new flow then, so the n-th row of a 5-tuple goes with its n-th flow (in order of start).
            var rowsPerTuple: [String: Int] = [:]
            for row in rows { rowsPerTuple[row.proto + " " + row.tuple, default: 0] += 1 }
            var usedPerTuple: [String: Int] = [:]
            for row in rows {
                rowsSeen += 1
                let (a, b) = (row.originator, row.responder)
                let candidates = flows.filter {
                    Self.protocolName($0) == row.proto
                        && (($0.originator == a && $0.responder == b) || ($0.originator == b && $0.responder == a))
                }.sorted { $0.firstSeen < $1.firstSeen }
                let tupleKey = row.proto + " " + row.tuple
                let occurrence = usedPerTuple[tupleKey, default: 0]
                usedPerTuple[tupleKey] = occurrence + 1
                guard occurrence < candidates.count else {
                    disagreements["\(capture)\t\(row.tuple)\trow"] = "no flow"
                    continue
                }
                let flow = candidates[occurrence]
                matched += 1
                let zeek = flow.zeek
                let ourOriginator = zeek.isReversed ? flow.responder : flow.originator
                if flow.originator == a { sameDirection += 1 }
                if ourOriginator != a {
                    disagreements["\(capture)\t\(row.tuple)\torig"] = "ours \(ourOriginator.address):\(ourOriginator.port)"
                }
                let reused = rowsPerTuple[tupleKey, default: 0] != candidates.count
                if zeek.state == row.state {
                    stateAgree += 1
                } else {
                    let field = reused ? "reused" : "conn_state"
                    disagreements["\(capture)\t\(row.tuple)\t\(field)", default: ""] += "ours \(zeek.state) zeek \(row.state); "
                }
                if zeek.history == row.history {
                    historyAgree += 1
                } else {
                    let field = reused ? "reused" : "history"
                    disagreements["\(capture)\t\(row.tuple)\t\(field)", default: ""] += "ours \(zeek.history) zeek \(row.history); "
                }
            }
        }
        print("Zeek conn.log agreement: \(rowsSeen) rows, \(matched) matched to a flow, \(sameDirection) with the flow's own direction")
        print("  conn_state agree \(stateAgree)/\(matched), history agree \(historyAgree)/\(matched), disagreements \(disagreements.count) (allowlisted \(disagreements.keys.filter { allowlist[$0] != nil }.count))")
        for key in disagreements.keys.sorted() where allowlist[key] == nil {
            Issue.record("not in Tests/zeek-allowlist.tsv: \(key)\t(\(disagreements[key] ?? ""))")
        }
        for key in allowlist.keys.sorted() where disagreements[key] == nil {
            Issue.record("stale line in Tests/zeek-allowlist.tsv (agrees now): \(key)")
        }
    }
}

import Blockscope
import FlowTracking
import Foundation
import PacketCapture
import TestSupport
import Testing

/// Community IDs of our flows against independent implementations: every `community_id` that Arkime's session
/// baselines (`arkime/*.gt/arkime/*.test`) and Suricata's expected EVE records (`suricata-verify/**/test.yaml`) hold
/// for a capture must be the ID of one of the flows Blockscope finds in that capture.
@Suite("Community ID vs Arkime and Suricata", .enabled(if: Lab.sharedCapturesEnabled, Lab.sharedCapturesComment))
struct CommunityIDReferenceTests {
    /// Captures whose references name flows inside tunnels (GTP-U, IPv6-in-IPv4), which Arkime decapsulates and
    /// Blockscope does not yet: their outer flows are checked by the other captures.
    static let tunnelled: Set<String> = ["arkime/gtp-iphone.pcap", "zeek/tunnels/ping6-in-ipv4.pcap"]

    /// (capture, community IDs its ground truth names, the seed its producer was configured with).
    static func references() throws -> [(String, Set<String>, UInt16)] {
        var result: [(String, Set<String>, UInt16)] = []
        for capture in try Lab.corpusEntries() {
            let folder = Lab.sharedCaptures.appendingPathComponent(capture + ".gt")
            guard let files = FileManager.default.enumerator(atPath: folder.path) else { continue }
            var ids = Set<String>()
            var seed: UInt16 = 0
            for case let file as String in files {
                let text = (try? String(contentsOfFile: folder.appendingPathComponent(file).path, encoding: .utf8)) ?? ""
                if file.hasSuffix(".test") || file.hasSuffix("test.yaml") {
                    for match in text.matches(of: /community_id"?\s*:\s*"?(1:[A-Za-z0-9+\/=]+)/) { ids.insert(String(match.1)) }
                }
                // Suricata's own configuration for the test may set a seed (suricata-verify/community-id-ipv6: 7).
                if file.hasSuffix("suricata.yaml"), let match = text.firstMatch(of: /community-id-seed:\s*(\d+)/) {
                    seed = UInt16(match.1) ?? 0
                }
            }
            if !ids.isEmpty, !tunnelled.contains(capture) { result.append((capture, ids, seed)) }
        }
        return result
    }

    @Test func everyReferenceIDIsOneOfOurFlows() throws {
        try #require(Lab.sharedCapturesAvailable, "../shared/captures is missing")
        var checked = 0
        var found = 0
        var captures = 0
        for (capture, ids, seed) in try Self.references() {
            captures += 1
            let handle = try PcapHandle.openOffline(path: Lab.sharedCaptures.appendingPathComponent(capture).path)
            defer { handle.close() }
            let analyzer = Analyzer()
            try handle.forEachFrame { frame, bytes in
                analyzer.process(bytes, linkType: frame.linkType, timestamp: frame.timestamp, wireLength: frame.originalLength)
            }
            let ours = Set(analyzer.finish().map { CommunityID.v1($0, seed: seed) })
            for id in ids.sorted() {
                checked += 1
                if ours.contains(id) { found += 1 } else { Issue.record("\(capture): no flow with Community ID \(id)") }
            }
        }
        print("Community ID vs Arkime/Suricata baselines: \(found)/\(checked) IDs found among our flows in \(captures) captures")
        #expect(checked >= 50)
    }
}

import Blockscope
import FlowTracking
import Foundation
import PacketCapture
import Rules
import TestSupport
import Testing

/// False alarms over real traffic: over all of `../shared/captures`, every flow the default rules call `blocked` or
/// `throttled` must be listed, per capture and verdict, in `Tests/verdict-expectations.tsv` with its reason
/// (real injections in `tripwire/`, and the known false alarms still to fix). Anything else is a bug.
@Suite("Blocked and throttled verdicts over real captures", .enabled(if: Lab.sharedCapturesEnabled, Lab.sharedCapturesComment))
struct VerdictExpectationTests {
    @Test func everyFlaggedFlowIsExpected() throws {
        try #require(Lab.sharedCapturesAvailable, "../shared/captures is missing")
        let expectations = try Allowlist.load("Tests/verdict-expectations.tsv")
        let classifier = try Classifier()
        var flagged: [String: Int] = [:]
        var flows = 0
        for file in try Lab.corpusEntries() {
            let handle = try PcapHandle.openOffline(path: Lab.sharedCaptures.appendingPathComponent(file).path)
            defer { handle.close() }
            let analyzer = Analyzer()
            try handle.forEachFrame { frame, bytes in
                analyzer.process(bytes, linkType: frame.linkType, timestamp: frame.timestamp, wireLength: frame.originalLength)
            }
            for flow in analyzer.finish() {
                flows += 1
                let verdict = classifier.verdict(
                    for: classifier.context(for: flow, in: analyzer.flows))
                if verdict.isBlockingOrThrottling { flagged["\(file)\t\(verdict.id)", default: 0] += 1 }
            }
        }
        let total = flagged.values.reduce(0, +)
        print("verdicts over the shared captures: \(flows) flows, \(total) called blocked or throttled in \(flagged.count) (capture, verdict) pairs")
        expectations.check(
            flagged, path: "Tests/verdict-expectations.tsv", unlisted: "unexpected blocked/throttled verdict (a false alarm?)")
    }
}

import Foundation
import TestSupport
import Testing

/// The DPI lab, re-run (root): every scenario of `Captures/lab/lab.sh` is recorded again into a temporary directory
/// (never into `Captures/`), with `blockscope live -i c0 --json` running in the client namespace alongside tcpdump.
/// For each fresh run:
/// - the lab's own checks passed (analyze.py: the scenario really did what it says), so a fresh truth file exists
///   (a run whose self-check failed is recorded once more; a second failure fails the test);
/// - `blockscope analyze --json` on the fresh capture gives every labelled flow the verdict id and class of the fresh
///   truth (the flows listed in `LabVerdictTests.knownDifferences` are reported, not failed);
/// - live mode saw the same packets (its `packets` equal the capture's, no kernel drops) and gave every flow
///   (5-tuple) the same verdict id and class as the offline analysis of the tcpdump capture of the same run;
/// - nothing is left behind: not its namespaces, its `/tmp/bs-lab.*` directory or any of its processes.
@Suite("The DPI lab, re-run live", .serialized, .enabled(if: LabRun.enabled, LabRun.comment))
struct LabRunTests {
    struct Truth: Decodable {
        struct Endpoint: Decodable { var addr: String; var port: Int }
        struct Expected: Decodable { var verdict: String; var `class`: String }
        struct Flow: Decodable {
            var label: String
            var proto: String
            var client: Endpoint
            var server: Endpoint
            var expected: Expected
        }
        var frames: Int
        var flows: [Flow]
    }

    /// Flow verdicts by "proto orig_h:orig_p > resp_h:resp_p", and the stats object, from JSON lines.
    static func verdicts(_ text: String) throws -> (flows: [String: String], stats: [String: Any]?) {
        var flows: [String: String] = [:]
        var stats: [String: Any]?
        for object in try CLI.objects(text) {
            if object["type"] as? String == "stats" { stats = object }
            guard object["type"] as? String == "flow", let verdict = object["verdict"] as? [String: Any] else { continue }
            let key = "\(object["proto"] ?? "") \(object["orig_h"] ?? ""):\(object["orig_p"] ?? "") > "
                + "\(object["resp_h"] ?? ""):\(object["resp_p"] ?? "")"
            #expect(flows[key] == nil, "two flow records for \(key)")
            flows[key] = "\(verdict["id"] ?? "") (\(verdict["class"] ?? ""))"
        }
        return (flows, stats)
    }

    @Test func everyScenarioIsListed() throws {
        let list = try LabRun.run(["list"], timeout: 30)
        #expect(list.status == 0)
        #expect(list.standardOutput.split(separator: "\n").count >= 20, "\(list.standardOutput)")
    }

    @Test(arguments: LabRun.scenarios)
    func freshRunGetsItsTruthOfflineAndLive(_ scenario: String) throws {
        try #require(Lab.isRoot, "the DPI lab needs root")
        let directory = try LabRun.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let started = Date()
        var run = try LabRun.run(["record", scenario, "--out", directory, "--live", CLI.binary.path], timeout: 400)
        // A run whose own self-check failed (analyze.py: the network did not do what the scenario says, e.g. a
        // close raced differently) produced no truth to compare blockscope with; it is recorded once more, and
        // the first failure is printed. blockscope's answers are never retried: they are checked below.
        if run.status != 0, !run.timedOut, run.standardError.contains("analysis/self-check failed") {
            print("lab \(scenario): the lab's self-check failed, recording again:\n\(run.standardError.suffix(2000))")
            run = try LabRun.run(["record", scenario, "--out", directory, "--live", CLI.binary.path], timeout: 400)
        }
        let seconds = Date().timeIntervalSince(started)
        print("lab \(scenario): recorded in \(String(format: "%.1f", seconds)) s")
        #expect(!run.timedOut, "\(scenario): lab.sh ran past 400 s")
        try #require(run.status == 0, "\(scenario): lab.sh failed (\(run.status)):\n\(run.standardError.suffix(3000))")
        let left = LabRun.leftovers(ofRunLogged: run.standardError)
        #expect(left.isEmpty, "\(scenario): left behind \(left)")

        let truth = try JSONDecoder().decode(
            Truth.self, from: Data(contentsOf: URL(fileURLWithPath: "\(directory)/\(scenario).truth.json")))
        let offline = try CLI.run(["analyze", "--json", "--quiet", "\(directory)/\(scenario).pcap"], timeout: 120)
        #expect([0, 3, 4].contains(offline.status), "\(offline.standardError)")
        let analyzed = try Self.verdicts(offline.standardOutput)

        // Offline verdicts against the fresh truth.
        for flow in truth.flows {
            let key = "\(flow.proto) \(flow.client.addr):\(flow.client.port) > \(flow.server.addr):\(flow.server.port)"
            let want = "\(flow.expected.verdict) (\(flow.expected.class))"
            let label = "\(scenario) \(flow.label)"
            guard let got = analyzed.flows[key] else {
                Issue.record("\(label): no flow \(key) in blockscope's output")
                continue
            }
            if got != want, let reason = LabVerdictTests.knownDifferences[label] {
                print("  known difference: \(label): \(got), expected \(want): \(reason)")
            } else {
                #expect(got == want, "\(label) \(key)")
            }
        }

        // Live against offline, flow by flow.
        let liveText = try String(contentsOfFile: "\(directory)/\(scenario).live.json", encoding: .utf8)
        let live = try Self.verdicts(liveText)
        let liveStats = try #require(live.stats, "\(scenario): live wrote no stats")
        let offlineStats = try #require(analyzed.stats, "\(scenario): analyze wrote no stats")
        let livePackets = liveStats["packets"] as? Int
        let capturedPackets = offlineStats["packets"] as? Int
        #expect(capturedPackets == truth.frames)
        #expect(livePackets == capturedPackets, "\(scenario): live saw \(livePackets ?? -1) packets, tcpdump \(capturedPackets ?? -1)")
        #expect(liveStats["kernel_drops"] as? Int == 0)
        #expect(Set(live.flows.keys) == Set(analyzed.flows.keys), "\(scenario): live flows \(live.flows.keys.sorted()) vs offline \(analyzed.flows.keys.sorted())")
        for (key, verdict) in analyzed.flows.sorted(by: { $0.key < $1.key }) {
            let liveVerdict = live.flows[key]
            #expect(liveVerdict == verdict, "\(scenario) \(key): live \(liveVerdict ?? "none"), offline \(verdict)")
        }
    }
}

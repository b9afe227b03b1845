import Foundation
import PacketCapture
import TestSupport
import Testing

/// `--export-pcap DIR`: every packet of every flow called blocked or throttled, and nothing else, one pcap per
/// verdict; and the exported evidence, analysed on its own, gives the same verdicts.
@Suite("blockscope analyze --export-pcap")
struct PcapExportTests {
    static func labCaptures() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: Lab.packageRoot.appendingPathComponent("Captures").path)
            .filter { $0.hasSuffix(".pcap") }.sorted().map { "Captures/" + $0 }
    }

    static func temporaryDirectory() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("blockscope-export-\(UUID().uuidString)").path
    }

    /// Verdict id → (flows, packets) of the flagged flows in a JSON run.
    static func flagged(_ objects: [[String: Any]]) -> [String: (flows: Int, packets: Int)] {
        var result: [String: (flows: Int, packets: Int)] = [:]
        for object in objects where object["type"] as? String == "flow" {
            guard let verdict = object["verdict"] as? [String: Any], let id = verdict["id"] as? String,
                let verdictClass = verdict["class"] as? String, verdictClass == "blocked" || verdictClass == "throttled",
                let orig = object["orig_pkts"] as? Int, let resp = object["resp_pkts"] as? Int
            else { continue }
            let before = result[id] ?? (0, 0)
            result[id] = (before.flows + 1, before.packets + orig + resp)
        }
        return result
    }

    @Test func exportsExactlyTheFlaggedFlowsPerVerdict() throws {
        let directory = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let captures = try Self.labCaptures()
        let run = try CLI.run(["analyze", "--json", "--export-pcap", directory] + captures)
        #expect(run.status == 3, "blocking in the lab captures: exit status 3")
        let expected = Self.flagged(try CLI.objects(run.standardOutput))
        #expect(expected.count >= 8, "the lab captures hold at least 8 kinds of blocking")
        let files = try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
        #expect(files == expected.keys.sorted().map { $0 + ".pcap" })
        for (verdict, counts) in expected {
            let path = (directory as NSString).appendingPathComponent(verdict + ".pcap")
            // Read back with libpcap: every packet of the flagged flows, nothing else.
            let handle = try PcapHandle.openOffline(path: path)
            var frames = 0
            try handle.forEachFrame { _, _ in frames += 1 }
            handle.close()
            #expect(frames == counts.packets, "\(verdict).pcap: \(frames) frames, the flows had \(counts.packets) packets")
            #expect(run.standardError.contains("exported \(counts.packets) packets of \(counts.flows) \(verdict) flow(s) to \(path)"))
            // The evidence stands on its own: analysed alone, every flow gets the same verdict.
            let again = try CLI.run(["analyze", "--json", "--quiet", path])
            let verdicts = try CLI.objects(again.standardOutput).compactMap { object -> String? in
                guard object["type"] as? String == "flow" else { return nil }
                return (object["verdict"] as? [String: Any])?["id"] as? String
            }
            #expect(verdicts == Array(repeating: verdict, count: counts.flows), "\(verdict).pcap re-analysed: \(verdicts)")
        }
    }

    @Test func nothingFlaggedWritesNothing() throws {
        let directory = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let run = try CLI.run(["analyze", "--export-pcap", directory, "Captures/benign-normal.pcap"])
        #expect(run.status == 0)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory).isEmpty)
        #expect(run.standardError.contains("nothing to export to \(directory): no flow was called blocked or throttled"))
    }

    @Test func theFilterAppliesToTheExportToo() throws {
        let directory = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // The capture has three injected flows over IPv4 and one over IPv6; with `-f ip` only the IPv4 ones are
        // analysed, and only their packets are exported.
        let run = try CLI.run(["analyze", "--json", "-f", "ip", "--export-pcap", directory, "Captures/sni-rst-injection.pcap"])
        let expected = Self.flagged(try CLI.objects(run.standardOutput))
        let rst = try #require(expected["tls-hello-rst"])
        #expect(rst.flows == 3)
        let path = (directory as NSString).appendingPathComponent("tls-hello-rst.pcap")
        let again = try CLI.objects(try CLI.run(["analyze", "--json", "--quiet", path]).standardOutput)
        let flows = again.filter { $0["type"] as? String == "flow" }
        #expect(flows.count == 3)
        #expect(flows.allSatisfy { ($0["resp_h"] as? String)?.contains(".") == true })
        #expect(flows.map { ($0["orig_pkts"] as? Int ?? 0) + ($0["resp_pkts"] as? Int ?? 0) }.reduce(0, +) == rst.packets)
        // Unfiltered, the IPv6 flow is exported too.
        let all = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: all) }
        let unfiltered = try CLI.run(["analyze", "--json", "--export-pcap", all, "Captures/sni-rst-injection.pcap"])
        #expect(Self.flagged(try CLI.objects(unfiltered.standardOutput))["tls-hello-rst"]?.flows == 4)
    }

    @Test func aFileInsteadOfADirectoryIsAUsageError() throws {
        let file = Self.temporaryDirectory()
        try Data("x".utf8).write(to: URL(fileURLWithPath: file))
        defer { try? FileManager.default.removeItem(atPath: file) }
        let run = try CLI.run(["analyze", "--export-pcap", file, "Captures/benign-normal.pcap"])
        #expect(run.status == 2)
        #expect(run.standardError.contains("\(file): --export-pcap needs a directory, this is a file"))
        #expect(run.standardOutput.isEmpty)
    }
}

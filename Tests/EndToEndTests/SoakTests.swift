import Foundation
import TestSupport
import Testing

/// Soak (root): `blockscope live -i c0 --json` in the lab's client namespace for 170 s while the client opens ~80
/// short TCP connections and ~20 UDP exchanges a second (≈17,000 flows), run by `Captures/lab/lab.sh soak`.
///
/// - Nothing is lost silently: live's `packets + kernel_drops` covers every frame c0's own counters saw (rx + tx,
///   from when live listened until just before its SIGINT), and every connection the generator made is a flow record.
/// - Memory stays flat once the flow table is at equilibrium. A closed TCP flow ends 5 s after its close; a UDP flow
///   ends after 120 s idle (FlowTable.Timeouts). So the table grows for the first 120 s (≈2,400 live UDP flows at
///   20/s) and is then steady: as many flows end as begin. After that warm-up (samples from 125 s on), ≈3,500
///   flows start and end; RSS may grow by at most 1 MiB over them, so a leak of ≥300 bytes per finished flow fails.
///   The RSS series (VmRSS of the blockscope process, every 5 s) is printed.
@Suite("Soak: live mode under thousands of short flows", .serialized, .enabled(if: LabRun.enabled, LabRun.comment))
struct SoakTests {
    static let seconds = 170
    static let warmUp = 125
    static let allowedGrowthKB = 1024

    struct Counters: Decodable {
        struct Generator: Decodable {
            var tcp_attempts: Int
            var tcp_ok: Int
            var udp_sent: Int
            var udp_echoed: Int
        }
        var interface_packets: Int
        var generator: Generator
    }

    @Test func liveModeStaysFlatAndCountsEveryPacket() throws {
        try #require(Lab.isRoot, "the soak runs in the DPI lab, which needs root")
        let directory = try LabRun.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let run = try LabRun.run(
            ["soak", "--out", directory, "--live", CLI.binary.path, "--seconds", "\(Self.seconds)"], timeout: 400)
        #expect(!run.timedOut)
        try #require(run.status == 0, "lab.sh soak failed (\(run.status)):\n\(run.standardError.suffix(3000))")
        #expect(LabRun.leftovers(ofRunLogged: run.standardError).isEmpty, "\(LabRun.leftovers(ofRunLogged: run.standardError))")

        // RSS over time.
        let series = try String(contentsOfFile: "\(directory)/soak.rss.tsv", encoding: .utf8)
            .split(separator: "\n").dropFirst()
            .map { line -> (Int, Int) in
                let fields = line.split(separator: "\t")
                return (Int(fields[0]) ?? -1, fields.count > 1 ? Int(fields[1]) ?? -1 : -1)
            }
        print("soak RSS (s: kB): " + series.map { "\($0.0): \($0.1)" }.joined(separator: ", "))
        #expect(series.allSatisfy { $0.0 >= 0 && $0.1 > 0 }, "unreadable samples: \(series)")
        let steady = series.filter { $0.0 >= Self.warmUp }
        try #require(steady.count >= 6, "too few samples after the warm-up: \(series)")
        let base = steady[0].1
        let peak = steady.map(\.1).max() ?? base
        print("soak RSS after \(Self.warmUp) s: \(base) kB, peak \(peak) kB (+\(peak - base) kB, allowed \(Self.allowedGrowthKB) kB)")
        #expect(peak - base <= Self.allowedGrowthKB, "RSS grew \(peak - base) kB after the warm-up: \(series)")

        // Every packet counted or reported dropped; every connection a flow.
        let counters = try JSONDecoder().decode(
            Counters.self, from: Data(contentsOf: URL(fileURLWithPath: "\(directory)/soak.counters.json")))
        let generator = counters.generator
        #expect(generator.tcp_attempts >= 10 * Self.seconds, "the generator made only \(generator.tcp_attempts) connections")
        #expect(generator.tcp_ok == generator.tcp_attempts)
        #expect(generator.udp_echoed == generator.udp_sent)
        let text = try String(contentsOfFile: "\(directory)/soak.live.json", encoding: .utf8)
        var tcpFlows = 0
        var udpFlows = 0
        var stats: [String: Any]?
        for line in text.split(separator: "\n") {
            // Flow records by prefix match (cheap over ~17,000 lines); the stats object is parsed.
            if line.hasPrefix("{\"type\":\"flow\"") {
                if line.contains("\"proto\":\"tcp\"") { tcpFlows += 1 } else if line.contains("\"proto\":\"udp\"") { udpFlows += 1 }
            } else if line.hasPrefix("{\"type\":\"stats\"") {
                stats = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            }
        }
        let summary = try #require(stats, "live wrote no stats")
        let packets = try #require(summary["packets"] as? Int)
        let kernelDrops = try #require(summary["kernel_drops"] as? Int, "kernel drops not reported")
        print("soak: \(generator.tcp_attempts) TCP connections, \(generator.udp_sent) UDP exchanges; c0 counted "
              + "\(counters.interface_packets) frames; live: \(packets) packets, \(kernelDrops) kernel drops, "
              + "\(tcpFlows) TCP and \(udpFlows) UDP flow records")
        #expect(packets + kernelDrops >= counters.interface_packets)
        // Each connection is its own flow (a reused 5-tuple starts a new one with its SYN); each UDP exchange
        // comes from a port of its own (labtools.py soak-client), so it is a flow of its own too.
        #expect(tcpFlows == generator.tcp_attempts)
        #expect(udpFlows == generator.udp_sent)
    }
}

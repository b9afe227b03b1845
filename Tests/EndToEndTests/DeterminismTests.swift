import Foundation
import PacketCapture
import TestSupport
import Testing
import WireFormat

/// Time is packet time: the same capture always gives the same records, and cutting a capture where no flow
/// straddles the cut gives the same flows from the two pieces.
@Suite("Determinism")
struct DeterminismTests {
    static let capture = "Captures/loopback-facetime-tls.pcap"

    /// JSON lines with the stats object's wall-clock `elapsed` removed (the only field that is not packet time).
    static func packetTimeOnly(_ output: String) -> [String] {
        output.split(separator: "\n").map { line in
            guard line.contains("\"type\":\"stats\"") else { return String(line) }
            return String(line).replacing(/"elapsed":[0-9.]+,/, with: "")
        }
    }

    @Test func theSameFileTwiceGivesByteIdenticalRecords() throws {
        for capture in [Self.capture, "Captures/facetime-setup-blocked.pcap", "Captures/sni-rst-injection.pcap"] {
            let first = try CLI.run(["analyze", "--json", "--quiet", capture])
            let second = try CLI.run(["analyze", "--json", "--quiet", capture])
            #expect([0, 3, 4].contains(first.status))  // 3: blocking concluded, 4: flows flagged without a conclusion
            #expect(first.status == second.status)
            #expect(!first.standardOutput.isEmpty)
            #expect(Self.packetTimeOnly(first.standardOutput) == Self.packetTimeOnly(second.standardOutput), "\(capture)")
        }
    }

    /// `--threads 2` judges and writes flows on a second thread: the records, the report and the exit status must be
    /// those of one thread, in the same order (every project capture, JSON and text with every flow listed).
    @Test func twoThreadsWriteWhatOneWrites() throws {
        let captures = try FileManager.default.contentsOfDirectory(atPath: Lab.packageRoot.appendingPathComponent("Captures").path)
            .filter { $0.hasSuffix(".pcap") }.sorted()
        #expect(captures.count >= 20)
        for capture in captures {
            for mode in [["--json"], ["--all-flows", "--explain", "--color", "never"]] {
                let one = try CLI.run(["analyze", "--quiet", "--threads", "1"] + mode + ["Captures/\(capture)"])
                let two = try CLI.run(["analyze", "--quiet", "--threads", "2"] + mode + ["Captures/\(capture)"])
                #expect([0, 3, 4].contains(one.status), "\(capture): \(one.standardError)")
                #expect(one.status == two.status, "\(capture) \(mode)")
                #expect(!one.standardOutput.isEmpty)
                #expect(Self.packetTimeOnly(one.standardOutput) == Self.packetTimeOnly(two.standardOutput), "\(capture) \(mode)")
            }
        }
    }

    /// The same over the shared corpus (366 captures of other projects: many link types, damaged files, few or many
    /// flows), JSON records: every capture gives the same records and status on one thread and on two.
    @Test(.enabled(if: Lab.sharedCapturesEnabled, Lab.sharedCapturesComment))
    func twoThreadsWriteWhatOneWritesOnTheSharedCorpus() throws {
        let entries = try Lab.corpusEntries()
        #expect(entries.count >= 300)
        var compared = 0
        for entry in entries {
            let path = Lab.sharedCaptures.appendingPathComponent(entry).path
            let one = try CLI.run(["analyze", "--quiet", "--json", "--threads", "1", path])
            let two = try CLI.run(["analyze", "--quiet", "--json", "--threads", "2", path])
            #expect(one.status == two.status, "\(entry)")
            #expect(one.standardError == two.standardError, "\(entry)")
            #expect(Self.packetTimeOnly(one.standardOutput) == Self.packetTimeOnly(two.standardOutput), "\(entry)")
            if one.status != 2 { compared += 1 }
        }
        #expect(compared >= 300)
    }

    @Test func threadsOutsideOneOrTwoAreAUsageError() throws {
        for bad in ["0", "3", "x"] {
            let run = try CLI.run(["analyze", "--threads", bad, "Captures/loopback-facetime-tls.pcap"])
            #expect(run.status == 2, "--threads \(bad)")
            #expect(run.standardError.contains("--threads"), "\(run.standardError)")
        }
    }

    @Test func aFileCutBetweenFlowsGivesTheSameFlows() throws {
        // The TLS connection is frames 1–18 of the bundled capture (its truth file): cut right after it.
        struct Truth: Decodable {
            struct Flow: Decodable { var last_frame: Int }
            var flows: [Flow]
        }
        let truth = try JSONDecoder().decode(
            Truth.self, from: Data(contentsOf: Lab.packageRoot.appendingPathComponent("Captures/loopback-facetime-tls.truth.json")))
        let cut = try #require(truth.flows.first?.last_frame)
        let first = Lab.temporaryPath("-part1.pcap")
        let second = Lab.temporaryPath("-part2.pcap")
        defer {
            try? FileManager.default.removeItem(atPath: first)
            try? FileManager.default.removeItem(atPath: second)
        }
        let handle = try PcapHandle.openOffline(path: Lab.packageRoot.appendingPathComponent(Self.capture).path)
        let writers = [try PcapWriter(path: first, linkType: .ethernet), try PcapWriter(path: second, linkType: .ethernet)]
        var failure: CaptureError?
        try handle.forEachFrame { frame, bytes in
            do throws(CaptureError) {
                try writers[frame.number <= cut ? 0 : 1].write(timestamp: frame.timestamp, originalLength: frame.originalLength, bytes: bytes)
            } catch { failure = error }
        }
        handle.close()
        for writer in writers { try writer.close() }
        #expect(failure == nil)

        func flows(_ files: [String]) throws -> [String] {
            try CLI.run(["analyze", "--json", "--quiet"] + files).lines.filter { $0.contains("\"type\":\"flow\"") }
        }
        let whole = try flows([Self.capture])
        #expect(whole.count == 3)
        // The two pieces read as one stream, and each piece on its own: the same flow records.
        #expect(try flows([first, second]) == whole)
        #expect(try flows([first]) + flows([second]) == whole)
    }
}

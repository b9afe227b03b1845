import Foundation
import TestSupport
import Testing
import WireFormat

/// Replays every input in `Fuzz/regressions/` (inputs that once crashed the dissector, and hand-made edge cases)
/// through a fresh dissector, in the fuzz harness's input format (see `Fuzz/DissectorFuzzer.swift`):
/// byte 0 picks the link type (low 7 bits) and the mode (bit 7: a sequence of `[step][length16][frame]` records).
@Suite("Fuzz regressions")
struct FuzzRegressionTests {
    /// The harness's table, in the same order.
    static let linkTypes: [LinkType] = [
        .ethernet, .null, .loop, .raw, .dltRaw, .ipv4, .ipv6, .linuxSLL, .linuxSLL2, .ppp, .pppHDLC,
        .dltRawOpenBSD, LinkType(rawValue: 147),
    ]

    static var inputs: [String] {
        let folder = Lab.packageRoot.appendingPathComponent("Fuzz/regressions")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.filter { $0.hasSuffix(".bin") }.sorted()
    }

    @Test func thereAreInputsToReplay() {
        #expect(!Self.inputs.isEmpty)
    }

    @Test(arguments: inputs)
    func replay(_ name: String) throws {
        let bytes = try [UInt8](Data(contentsOf: Lab.packageRoot.appendingPathComponent("Fuzz/regressions/\(name)")))
        try #require(!bytes.isEmpty)
        let linkType = Self.linkTypes[Int(bytes[0] & 0x7f) % Self.linkTypes.count]
        let body = Array(bytes[1...])
        let dissector = Dissector()
        var clock: Int64 = 1_700_000_000_000_000_000
        var frames: [([UInt8], Int)] = []
        if bytes[0] & 0x80 == 0 {
            frames = [(body, body.count)]
        } else {
            var position = 0
            while position < body.count {
                let step = body[position]
                position += 1
                var length = body.count - position
                if length >= 2 {
                    length = min(Int(body[position]) << 8 | Int(body[position + 1]), length - 2)
                    position += 2
                }
                frames.append((Array(body[position..<(position + length)]), Int(step)))
                position += length
            }
        }
        var anomalies: Anomalies = []
        for (frame, step) in frames {
            clock += Int64(step & 0x7f) * 500_000_000 + 1_000
            var summary = PacketSummary()
            dissector.dissect(
                frame.span, linkType: linkType, timestamp: Timestamp(nanoseconds: clock),
                wireLength: frame.count + (step & 0x80 != 0 ? 100 : 0), into: &summary)
            let seen = dissector.withPayload(of: summary, in: frame.span) { $0.count }
            #expect(seen <= summary.payload.capturedLength)
            anomalies.formUnion(summary.anomalies)
        }
        // The hand-made seeds also pin down what the reassembler must conclude.
        if name == "seed-ipv4-fragments-inconsistent-overlap.bin" {
            #expect(anomalies.contains(.fragmentOverlapInconsistent))
            #expect(anomalies.contains(.reassembled))
        }
        if name == "seed-ipv4-fragments-after-timeout.bin" {
            #expect(!anomalies.contains(.reassembled))
            #expect(dissector.reassembler.expiredCount == 1)
        }
    }
}

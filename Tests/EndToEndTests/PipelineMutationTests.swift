import Blockscope
import FlowTracking
import Foundation
import PacketCapture
import TestSupport
import Testing
import WireFormat

/// The stateful half of the pipeline — per-flow TLS/DTLS assemblers, QUIC Initial decryption and CRYPTO
/// reassembly, STUN transactions, Zeek state, teardown facts, fragment reassembly — fed real frames mutated at
/// random (fixed seed: the same run every time). libFuzzer covers the stateless parsers (`Fuzz/`); this covers the
/// state they feed, swift-crypto included, in every test run. A trap anywhere fails the run.
@Suite("Pipeline under mutated traffic", .enabled(if: Lab.sharedCapturesEnabled, Lab.sharedCapturesComment))
struct PipelineMutationTests {

    /// Captures rich in the stateful protocols (TLS over several segments, QUIC over several Initials, STUN/TURN,
    /// DTLS, fragments, RSTs).
    static let captures = [
        "arkime/tls-split-client-hello.pcap", "zeek/quic/chromium-115.0.5790.110-google-de-fragmented.pcap",
        "ndpi/stun.pcap", "ndpi/stun_dtls_rtp.pcapng", "tripwire/tripwire-1597963966.pcap",
        "peafowl/ip_fragmentation/correct_1.pcap", "arkime/wireshark-dtls0.pcap", "ndpi/teams.pcap",
    ]

    @Test func mutatedFramesNeverTrapAndEveryFrameIsCounted() throws {
        try #require(Lab.sharedCapturesAvailable, "../shared/captures is missing")
        var frames: [(LinkType, [UInt8])] = []
        for capture in Self.captures {
            let handle = try PcapHandle.openOffline(path: Lab.sharedCaptures.appendingPathComponent(capture).path)
            try handle.forEachFrame { frame, bytes in frames.append((frame.linkType, (0..<bytes.count).map { bytes[$0] })) }
            handle.close()
        }
        try #require(frames.count > 1000)
        var random = SeededGenerator(state: 0x5eed_b10c_5c0e)
        let analyzer = Analyzer(configuration: .init(maximumFlows: 512))
        var time: Int64 = 1_700_000_000_000_000_000
        let rounds = 80_000
        for _ in 0..<rounds {
            var (linkType, bytes) = frames[random.below(frames.count)]
            switch random.below(6) {
            case 0:  // flip a few bits
                for _ in 0..<(1 + random.below(4)) where !bytes.isEmpty { bytes[random.below(bytes.count)] ^= UInt8(1 << random.below(8)) }
            case 1:  // overwrite a byte with a boundary value
                if !bytes.isEmpty { bytes[random.below(bytes.count)] = [0, 1, 0x7f, 0x80, 0xff][random.below(5)] }
            case 2:  // truncate
                bytes = Array(bytes.prefix(random.below(bytes.count + 1)))
            case 3:  // splice the tail of another frame
                let other = frames[random.below(frames.count)].1
                let cut = random.below(bytes.count + 1)
                bytes = Array(bytes.prefix(cut)) + Array(other.suffix(random.below(other.count + 1)))
            case 4:  // repeat it unchanged (retransmission, duplicate fragment)
                break
            default:  // another link type now and then
                linkType = [LinkType.ethernet, .raw, .linuxSLL, .null][random.below(4)]
            }
            time += Int64(random.below(2_000_000_000))  // up to 2 s between packets: timeouts and sweeps happen
            analyzer.process(bytes.span, linkType: linkType, timestamp: Timestamp(nanoseconds: time), wireLength: bytes.count)
        }
        let flows = analyzer.finish()
        let statistics = analyzer.statistics
        #expect(statistics.packets == rounds)
        // Every record is well formed enough to be reported.
        for flow in flows {
            #expect(flow.endReason != nil)
            #expect(flow.communityID.hasPrefix("1:"))
            _ = (flow.zeek.state, flow.zeek.history, flow.applicationFacts.protocols, flow.teardown.responderBytesBeforeStall)
        }
        print("pipeline under mutated traffic: \(rounds) packets, \(flows.count) flows at the end, "
            + "\(analyzer.flows.evictedCount) evicted, malformed \(statistics.malformed.values.reduce(0, +))")
    }
}

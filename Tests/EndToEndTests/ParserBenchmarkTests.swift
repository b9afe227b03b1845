import Blockscope
import Foundation
import PacketCapture
import QUICInitial
import TestSupport
import Testing
import WireFormat

/// Parser benchmark: per protocol, real frames dissected many times; prints ns/packet, packets/s and MB/s.
/// It asserts what was parsed, never a time. Read its figures from a release build:
/// `swift test -c release --filter ParserBenchmark` (debug builds are 10–50× slower).
@Suite("Parser benchmark", .serialized, .enabled(if: Lab.sharedCapturesEnabled, Lab.sharedCapturesComment))
struct ParserBenchmarkTests {
    /// Frames of one kind, taken from a real capture.
    static func frames(_ file: String, where accept: (PacketSummary) -> Bool) throws -> [(LinkType, [UInt8])] {
        let path = file.hasPrefix("Captures/") ? Lab.packageRoot.appendingPathComponent(file).path
            : Lab.sharedCaptures.appendingPathComponent(file).path
        let handle = try PcapHandle.openOffline(path: path)
        defer { handle.close() }
        let dissector = Dissector()
        var summary = PacketSummary()
        var result: [(LinkType, [UInt8])] = []
        try handle.forEachFrame { frame, bytes in
            dissector.dissect(bytes, linkType: frame.linkType, timestamp: frame.timestamp, wireLength: frame.originalLength, into: &summary)
            if accept(summary) { result.append((frame.linkType, (0..<bytes.count).map { bytes[$0] })) }
        }
        return result
    }

    /// Runs `body` over the frames for about `budget` and prints one row; returns how many units it parsed and
    /// how many frames it was given, so that a test can require every frame to parse.
    @discardableResult
    static func row(_ name: String, _ frames: [(LinkType, [UInt8])], budget: Duration = .milliseconds(300),
                    _ body: (LinkType, Span<UInt8>) -> Int) -> (parsed: Int, packets: Int) {
        let clock = ContinuousClock()
        var packets = 0
        var bytes = 0
        var parsed = 0
        let start = clock.now
        while start.duration(to: clock.now) < budget {
            for (linkType, frame) in frames {
                parsed += body(linkType, frame.span)
                bytes += frame.count
            }
            packets += frames.count
        }
        let elapsed = start.duration(to: clock.now)
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let nanoseconds = seconds * 1e9 / Double(max(packets, 1))
        print("  \(name.padding(toLength: 34, withPad: " ", startingAt: 0))"
            + " \(String(format: "%9.1f", nanoseconds)) ns/packet"
            + " \(String(format: "%12.0f", Double(packets) / seconds)) packets/s"
            + " \(String(format: "%9.1f", Double(bytes) / seconds / 1e6)) MB/s")
        return (parsed, packets)
    }

    /// Every frame of the row parsed, every time.
    static func expectAll(_ result: (parsed: Int, packets: Int), sourceLocation: SourceLocation = #_sourceLocation) {
        let (parsed, packets) = result
        #expect(packets > 0, sourceLocation: sourceLocation)
        #expect(parsed == packets, sourceLocation: sourceLocation)
    }

    @Test func perProtocol() throws {
        try #require(Lab.sharedCapturesAvailable, "../shared/captures is missing")
        print("parser benchmark (\(Self.buildKind) build; ns per packet, one core):")
        let dissector = Dissector()
        var summary = PacketSummary()
        func dissect(_ linkType: LinkType, _ frame: Span<UInt8>) -> Int {
            dissector.dissect(frame, linkType: linkType, timestamp: .zero, wireLength: frame.count, into: &summary)
            return summary.outcome == .ok ? 1 : 0
        }

        let tcp = try Self.frames("Captures/loopback-facetime-tls.pcap") { $0.tcp != nil }
        Self.expectAll(Self.row("dissect Ethernet/IPv4/TCP", tcp, dissect))
        let ipv6 = try Self.frames("arkime/v6-http.pcap") { $0.network?.version == 6 && $0.tcp != nil }
        Self.expectAll(Self.row("dissect Ethernet/IPv6/TCP", ipv6, dissect))

        // TLS: the ClientHello record of the bundled capture, parsed to a summary with JA4.
        let hello = try Self.frames("Captures/loopback-facetime-tls.pcap") { $0.payload.capturedLength > 300 && $0.tcp?.destinationPort == 8443 }
        try #require(!hello.isEmpty)
        let names = Self.row("TLS ClientHello + SNI + JA4", Array(hello.prefix(1))) { linkType, frame in
            _ = dissect(linkType, frame)
            return dissector.withPayload(of: summary, in: frame) { payload -> Int in
                // 5-byte record header, 4-byte handshake header, then the ClientHello body.
                guard payload.count > 9, let parsed = try? ClientHello(validating: payload.extracting(9...)) else { return 0 }
                let info = parsed.info()
                return info.serverName == "facetime.apple.com" && !JA4.fingerprint(info, transport: .tcp).isEmpty ? 1 : 0
            }
        }
        Self.expectAll(names)

        // STUN: the ICE checks of a real WebRTC call.
        // The datagrams that carry STUN's magic cookie (the call's RTP and DTLS are left out).
        let stun = try Self.frames("arkime/stun-ice-testcall.pcap") { $0.udp != nil }.filter { linkType, frame in
            _ = dissect(linkType, frame.span)
            return dissector.withPayload(of: summary, in: frame.span) { payload in
                payload.count >= 20 && payload[4] == 0x21 && payload[5] == 0x12 && payload[6] == 0xa4 && payload[7] == 0x42
            }
        }
        let messages = Self.row("STUN message (view)", stun) { linkType, frame in
            _ = dissect(linkType, frame)
            return dissector.withPayload(of: summary, in: frame) { payload in
                (try? STUNMessage(validatingDatagram: payload)) == nil ? 0 : 1
            }
        }
        Self.expectAll(messages)

        // QUIC: the Initial of The Illustrated QUIC Connection, header walk and full Initial decryption.
        let quic = try Self.frames("illustrated-quic/capture.pcap") { $0.udp != nil }
        try #require(!quic.isEmpty)
        let initial = Array(quic.prefix(1))
        Self.expectAll(Self.row("QUIC long header walk", initial) { linkType, frame in
            _ = dissect(linkType, frame)
            return dissector.withPayload(of: summary, in: frame) { payload in
                do {
                    let header = try QUICLongHeader(validating: payload)
                    return header.packetType == .initial ? 1 : 0
                } catch {
                    return 0
                }
            }
        })
        Self.expectAll(Self.row("QUIC Initial decryption + CRYPTO", initial) { linkType, frame in
            _ = dissect(linkType, frame)
            return dissector.withPayload(of: summary, in: frame) { payload in
                guard let decrypted = try? InitialDecryptor.decryptClientInitial(payload) else { return 0 }
                var crypto = CryptoStreamReassembler()
                crypto.insert(decrypted.frames)
                return crypto.clientHello() == nil ? 0 : 1
            }
        })

        // The whole pipeline (dissect, flows, application probes) over a mixed real capture.
        let mixed = try Self.frames("ndpi/stun_dtls_rtp.pcapng") { _ in true }
        let analyzer = Analyzer()
        let pipeline = Self.row("pipeline (flows + app probes)", mixed) { linkType, frame in
            analyzer.process(frame, linkType: linkType, timestamp: .zero, wireLength: frame.count)
            return analyzer.summary.outcome == .ok ? 1 : 0
        }
        Self.expectAll(pipeline)
        #expect(analyzer.statistics.packets == pipeline.packets)
        #expect(analyzer.flows.count + analyzer.flows.finishedCount > 0)
    }

    static var buildKind: String {
        #if DEBUG
        "debug"
        #else
        "release"
        #endif
    }
}

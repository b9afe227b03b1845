import Benchmark
import QUICInitial
import WireFormat

/// Per-protocol dissection: one scaled iteration is one packet; `mallocCountTotal` must stay 0 (no allocation
/// per packet in dissection), and the checked-in thresholds hold it there.
func dissectionBenchmarks() {
    let perPacket = Benchmark.Configuration(
        metrics: [.wallClock, .cpuTotal, .throughput, .mallocCountTotal], scalingFactor: .kilo,
        maxDuration: .seconds(2), maxIterations: 1000)

    // The harness alone, same shape as the dissection loops: what it allocates per sample is the floor that the
    // dissection benchmarks' `mallocCountTotal` is read against (a per-packet allocation would add 1000 a sample).
    let idle = Fixtures.frames("benign-normal.pcap")
    // Same metrics as the dissection loops (measuring CPU time is what allocates); its time, about a nanosecond
    // an iteration, is all noise on a shared machine, so only its allocations are held to a threshold.
    let loose = BenchmarkThresholds(relative: [.p90: 1000], absolute: [.p90: 1_000_000_000])
    Benchmark("harness.empty-loop", configuration: .init(
        metrics: perPacket.metrics, scalingFactor: .kilo, maxDuration: .seconds(2), maxIterations: 1000,
        thresholds: [
            .mallocCountTotal: .init(relative: [.p90: 25], absolute: [.p90: 8]),
            .wallClock: loose, .cpuTotal: loose, .throughput: loose,
        ])
    ) { benchmark in
        var index = 0
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            blackHole(idle[index].bytes.count)
            index = index + 1 == idle.count ? 0 : index + 1
        }
    }

    func dissect(_ name: String, _ frames: [Frame]) {
        precondition(!frames.isEmpty, "\(name): no frames")
        Benchmark(name, configuration: perPacket) { benchmark in
            let dissector = Dissector()
            var summary = PacketSummary()
            var index = 0
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
                let frame = frames[index]
                dissector.dissect(frame.bytes.span, linkType: frame.linkType, timestamp: frame.timestamp, wireLength: frame.bytes.count, into: &summary)
                blackHole(summary.outcome)
                index = index + 1 == frames.count ? 0 : index + 1
            }
        }
    }

    dissect("dissect.ethernet-ipv4-tcp", Fixtures.frames("benign-normal.pcap") { $0.network?.version == 4 && $0.tcp != nil })
    dissect("dissect.ethernet-ipv6-tcp", Fixtures.frames("benign-normal.pcap") { $0.network?.version == 6 && $0.tcp != nil })
    dissect("dissect.ethernet-ipv4-udp-stun-rtp", Fixtures.frames("call-media-cutoff.pcap") { $0.udp != nil })

    // Application views over the payload: a validating view each, no copies.
    let hellos = Fixtures.payloads("benign-normal.pcap") { $0.tcp?.destinationPort == 443 && $0.payload.capturedLength > 300 }
        .filter { $0.first == 0x16 }
    precondition(!hellos.isEmpty, "no ClientHello in benign-normal.pcap")
    Benchmark("dissect.tls-clienthello-view", configuration: perPacket) { benchmark in
        let hello = hellos[0]
        for _ in benchmark.scaledIterations {
            // 5-byte record header, 4-byte handshake header, then the ClientHello body.
            let view = try ClientHello(validating: hello.span.extracting(9...))
            blackHole(view.cipherSuiteCount)
        }
    }
    Benchmark("tls.clienthello-summary-ja4", configuration: perPacket) { benchmark in
        let hello = hellos[0]
        for _ in benchmark.scaledIterations {
            let info = try ClientHello(validating: hello.span.extracting(9...)).info()
            precondition(info.serverName != nil)
            blackHole(JA4.fingerprint(info, transport: .tcp))
        }
    }

    let stun = Fixtures.payloads("call-media-cutoff.pcap") { $0.udp != nil }.filter { $0.count >= 20 && $0[4] == 0x21 && $0[5] == 0x12 }
    precondition(!stun.isEmpty, "no STUN in call-media-cutoff.pcap")
    Benchmark("dissect.stun-message", configuration: perPacket) { benchmark in
        var index = 0
        for _ in benchmark.scaledIterations {
            let datagram = stun[index]
            let message = try STUNMessage(validatingDatagram: datagram.span)
            blackHole(message.messageType)
            index = index + 1 == stun.count ? 0 : index + 1
        }
    }

    let initials = Fixtures.payloads("quic-drop.pcap") { $0.udp != nil }.filter { $0.count >= 1200 }
    precondition(!initials.isEmpty, "no QUIC Initial in quic-drop.pcap")
    Benchmark("dissect.quic-long-header", configuration: perPacket) { benchmark in
        let initial = initials[0]
        for _ in benchmark.scaledIterations {
            let header = try QUICLongHeader(validating: initial.span)
            blackHole(header.version)
        }
    }
}

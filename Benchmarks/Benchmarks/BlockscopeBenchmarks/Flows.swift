import Benchmark
import Blockscope
import FlowTracking
import QUICInitial
import WireFormat

/// Per-flow work: ClientHello reassembly, QUIC Initial decryption, the flow table, rule evaluation.
func flowBenchmarks() {
    let perFlow = Benchmark.Configuration(
        metrics: [.wallClock, .cpuTotal, .throughput, .mallocCountTotal], scalingFactor: .kilo,
        maxDuration: .seconds(2), maxIterations: 1000)

    // A real ClientHello record cut into three TCP segments, delivered out of order.
    let hello = Fixtures.payloads("benign-normal.pcap") { $0.tcp?.destinationPort == 443 && $0.payload.capturedLength > 300 }
        .first { $0.first == 0x16 }!
    let cuts = [0, 7, hello.count / 2, hello.count]
    Benchmark("tls.clienthello-reassembly-3-segments", configuration: perFlow) { benchmark in
        for _ in benchmark.scaledIterations {
            var assembler = TLSStreamAssembler()
            assembler.setInitialSequence(1000)
            for part in [2, 0, 1] {
                let segment = hello.span.extracting(cuts[part]..<cuts[part + 1])
                assembler.add(sequence: 1000 &+ UInt32(cuts[part]), payload: segment)
            }
            precondition(assembler.clientHello?.serverName == "facetime.apple.com")
            blackHole(assembler.status)
        }
    }

    let initial = Fixtures.payloads("quic-drop.pcap") { $0.udp != nil }.first { $0.count >= 1200 }!
    Benchmark("quic.initial-decryption-crypto", configuration: perFlow) { benchmark in
        for _ in benchmark.scaledIterations {
            let decrypted = try InitialDecryptor.decryptClientInitial(initial.span)
            var crypto = CryptoStreamReassembler()
            crypto.insert(decrypted.frames)
            precondition(crypto.clientHello() != nil)
            blackHole(crypto.contiguousLength)
        }
    }

    // The flow table: 10,000 distinct SYNs (insert), the same again (lookup), then a packet 10 minutes later
    // that makes the sweep end all of them (expiry).
    let flood = Fixtures.synFlood(10_000)
    let summaries: [PacketSummary] = {
        let dissector = Dissector()
        var summary = PacketSummary()
        return flood.enumerated().map { index, frame in
            dissector.dissect(frame.bytes.span, linkType: frame.linkType, timestamp: Timestamp(nanoseconds: Int64(index) * 1000),
                              wireLength: frame.bytes.count, into: &summary)
            return summary
        }
    }()
    let later = { () -> PacketSummary in
        var summary = summaries[0]
        summary.timestamp = Timestamp(nanoseconds: 600_000_000_000)
        return summary
    }()
    let tableConfiguration = Benchmark.Configuration(
        metrics: [.wallClock, .cpuTotal, .throughput, .mallocCountTotal], scalingFactor: .one,
        maxDuration: .seconds(3), maxIterations: 200)
    Benchmark("flowtable.insert-10k-flows", configuration: tableConfiguration) { benchmark in
        for _ in benchmark.scaledIterations {
            let table = FlowTable()
            for summary in summaries { table.add(summary) }
            precondition(table.count == summaries.count)
        }
    }
    Benchmark("flowtable.lookup-10k-packets", configuration: tableConfiguration) { benchmark in
        let table = FlowTable()
        for summary in summaries { table.add(summary) }
        benchmark.startMeasurement()
        for summary in summaries { table.add(summary) }
        benchmark.stopMeasurement()
        precondition(table.count == summaries.count)
    }
    Benchmark("flowtable.expiry-10k-flows", configuration: tableConfiguration) { benchmark in
        let table = FlowTable()
        for summary in summaries { table.add(summary) }
        benchmark.startMeasurement()
        table.add(later)
        benchmark.stopMeasurement()
        precondition(table.takeFinished().count == summaries.count)
    }

    // Rule evaluation: the built-in rule set over every flow of the project's captures.
    let flows: [Flow] = Fixtures.allCaptures.flatMap { name -> [Flow] in
        let analyzer = Analyzer()
        for frame in Fixtures.frames(name) {
            analyzer.process(frame.bytes.span, linkType: frame.linkType, timestamp: frame.timestamp, wireLength: frame.bytes.count)
        }
        return analyzer.finish()
    }
    let classifier = try! Classifier()
    Benchmark("rules.default-rules-over-capture-flows", configuration: .init(
        metrics: [.wallClock, .cpuTotal, .throughput, .mallocCountTotal], scalingFactor: .one,
        maxDuration: .seconds(3), maxIterations: 1000)
    ) { benchmark in
        for _ in benchmark.scaledIterations {
            var flagged = 0
            for flow in flows where classifier.verdict(for: flow).isBlockingOrThrottling { flagged += 1 }
            precondition(flagged > 0)
            blackHole(flagged)
        }
    }
}

import Benchmark
import Blockscope
import FlowTracking
import WireFormat

/// The whole pipeline over real captures: dissection, flows, application probes, then a verdict per flow.
func pipelineBenchmarks() {
    let frames = Fixtures.allCaptures.flatMap { Fixtures.frames($0) }
    let classifier = try! Classifier()
    Benchmark("pipeline.project-captures", configuration: .init(
        metrics: [.wallClock, .cpuTotal, .throughput, .mallocCountTotal, .peakMemoryResident], scalingFactor: .one,
        maxDuration: .seconds(5), maxIterations: 200)
    ) { benchmark in
        for _ in benchmark.scaledIterations {
            let analyzer = Analyzer()
            for frame in frames {
                analyzer.process(frame.bytes.span, linkType: frame.linkType, timestamp: frame.timestamp, wireLength: frame.bytes.count)
            }
            var verdicts = 0
            for flow in analyzer.finish() where classifier.verdict(for: flow).isBlockingOrThrottling { verdicts += 1 }
            precondition(verdicts > 0)
            blackHole(verdicts)
        }
    }

    // The pipeline per packet, replaying one capture over and over: its flows exist after the first pass (each
    // replayed SYN ends the closed connection and opens a new flow, as port reuse does). Allocation here is the
    // flows' (records, probe buffers, ClientHello summaries), not dissection's.
    let benign = Fixtures.frames("benign-normal.pcap")
    Benchmark("pipeline.per-packet-replay", configuration: .init(
        metrics: [.wallClock, .cpuTotal, .throughput, .mallocCountTotal], scalingFactor: .kilo,
        maxDuration: .seconds(2), maxIterations: 1000)
    ) { benchmark in
        let analyzer = Analyzer()
        for frame in benign {
            analyzer.process(frame.bytes.span, linkType: frame.linkType, timestamp: frame.timestamp, wireLength: frame.bytes.count)
        }
        var index = 0
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            let frame = benign[index]
            analyzer.process(frame.bytes.span, linkType: frame.linkType, timestamp: frame.timestamp, wireLength: frame.bytes.count)
            // As `analyze` does: ended flows (here: each replayed connection's SYN ends the closed one) are taken.
            if !analyzer.flows.finished.isEmpty { blackHole(analyzer.flows.takeFinished()) }
            index = index + 1 == benign.count ? 0 : index + 1
        }
    }
}

import Benchmark

// Blockscope's benchmarks (see Benchmarks/README.md): run with `swift package benchmark` in Benchmarks/.
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .cpuTotal, .throughput, .mallocCountTotal],
        // Allocation counts are nearly exact: 16-18 per sample of 1000 iterations are the harness's own; one
        // allocation more per packet (1000 a sample) is a regression. Times vary with the machine (relaxed).
        thresholds: [
            .mallocCountTotal: .init(relative: [.p90: 25], absolute: [.p90: 8]),
            .wallClock: .relaxed,
            .cpuTotal: .relaxed,
            .throughput: .relaxed,
            .peakMemoryResident: .relaxed,
        ])
    dissectionBenchmarks()
    flowBenchmarks()
    pipelineBenchmarks()
}

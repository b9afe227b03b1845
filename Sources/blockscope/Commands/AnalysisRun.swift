import Blockscope
import Foundation
import FlowTracking
import PacketCapture
import Rules
import Synchronization
import WireFormat

#if canImport(Glibc)
import Glibc
#endif

/// One analysis run shared by `analyze` and `live`: frames from capture handles into the analyzer, flows,
/// assessments and statistics out through the report, progress and rates on standard error.
final class AnalysisRun {
    let analyzer: Analyzer
    let report: Report
    let output = OutputBuffer()
    private let progress: Progress
    private let clock = ContinuousClock()
    private let start: ContinuousClock.Instant
    private var flowsWritten = 0
    private var finishedSeen = 0
    private(set) var warnings: [String] = []
    var files: [String] = []
    /// Every finished flow's verdict and service, across flows.
    private(set) var assessment: Assessment
    /// `--export-pcap`: notes the flagged flows for the second pass.
    var export: PcapExport?
    /// Live `--export-pcap`: every frame is kept here until the end (see `PcapExport`).
    var spool: PcapWriter?
    private(set) var spoolFailures = 0

    /// Flows called blocked or throttled so far.
    private(set) var flagged = 0
    /// Whether an assessment concluded blocking or throttling (set by `finish`).
    private(set) var concludedBlocking = false
    private var verdictCounts: [String: Int] = [:]
    /// `--threads 2`: finished flows are judged and written on a second thread (nil: on this one).
    private var handoff: FlowHandoff?
    /// Finished flows gathered for the next batch to the writing thread.
    private var pending: [FinishedFlow] = []
    /// The flows still open at the end, once written: kept until the process exits (`analyze` exits without freeing
    /// them one by one: tens of thousands of flows took a tenth of a second to free).
    private var endedFlows: [Flow] = []
    /// Flows per batch: 1 when streaming (live: a flow is reported as it ends), else enough to make the hand-off's
    /// locking negligible.
    private let batchSize: Int

    /// `streaming`: the text report lists flows as they end (live) instead of after the assessments (files).
    init(options: OutputOptions, classifier: Classifier, parameters: AssessmentParameters, streaming: Bool) {
        analyzer = Analyzer(configuration: .init(maximumFlows: options.maxFlows))
        report = Report(json: options.json, output: output, classifier: classifier)
        report.allFlows = options.allFlows
        report.explain = options.explain
        report.streaming = streaming
        report.palette = Palette(
            Palette.Choice(rawValue: options.color) ?? .auto, environment: ProcessInfo.processInfo.environment,
            isTerminal: Terminal.standardOutputIsTerminal)
        assessment = Assessment(parameters: parameters)
        start = clock.now
        progress = Progress(enabled: !options.quiet && Terminal.standardErrorIsTerminal)
        batchSize = streaming ? 1 : 256
        if options.threadCount(live: streaming) > 1 {
            // The writing thread alone touches the report, the assessment and the counters until `finish` has
            // drained it; this thread reads them only after that.
            let run = UncheckedSendable(self)
            handoff = FlowHandoff { batch in
                for finished in batch { run.value.write(finished) }
            }
        }
    }

    /// The exit status the run ends with (docs/OUTPUT.md): 3 when an assessment concludes blocking or throttling,
    /// 4 when flows were called blocked or throttled but no assessment could conclude, else 0.
    var exitStatus: Int32 { concludedBlocking ? 3 : flagged > 0 ? 4 : 0 }

    /// Reads every frame of `handle` into the analyzer. Returns the capture layer's summary.
    @discardableResult
    func read(_ handle: PcapHandle, stopAfter limit: Int? = nil, tick: (() -> Void)? = nil) throws(CaptureError)
        -> CaptureSummary
    {
        var seen = 0
        // A capture that fails half way (a damaged file) ends the run: what was written so far still reaches the
        // output, as on one thread.
        var failed = true
        defer { if handoff != nil, failed { stopWriter(); output.flush() } }
        let summary = try handle.forEachFrame(tick: { [self] in
            progress.update(analyzer.statistics, force: false, clock: clock, start: start)
            tick?()
        }) { [self] frame, bytes in
            analyzer.add(bytes, linkType: frame.linkType, timestamp: frame.timestamp, wireLength: frame.originalLength)
            if let spool {
                do { try spool.write(timestamp: frame.timestamp, originalLength: frame.originalLength, bytes: bytes) } catch {
                    spoolFailures += 1
                }
            }
            if analyzer.flows.finishedCount != finishedSeen { writeFinished() }
            seen += 1
            if seen & 0x3ff == 0 {
                progress.update(analyzer.statistics, force: false, clock: clock, start: start)
                tick?()
            }
            if let limit, seen >= limit { handle.breakLoop() }
        }
        failed = false
        if let warning = summary.warning {
            warnings.append(warning.description)
            Terminal.standardError.write("blockscope: \(warning.description)\n")
        }
        return summary
    }

    /// Flows that ended (timeout, close, eviction) are written as soon as they end: memory stays bounded.
    private func writeFinished() {
        finishedSeen = analyzer.flows.finishedCount
        let table = analyzer.flows
        table.takeFinished { flow in
            let lastAnswer = table.lastAnswer(from: flow.responder.address)
            hand(FinishedFlow(flow: consume flow, responderLastAnswered: lastAnswer))
        }
    }

    /// Hands over the last batch and waits for the writing thread to write everything (then it ends, and the
    /// flow state is this thread's again). Idempotent.
    private func stopWriter() {
        guard let handoff else { return }
        handoff.push(pending)
        pending = []
        handoff.finish()
        self.handoff = nil
    }

    /// A finished flow, with what the table knew of its responder when it ended, to the writer (this thread or the
    /// other).
    private func hand(_ finished: consuming FinishedFlow) {
        guard let handoff else {
            write(finished)
            return
        }
        pending.append(finished)
        if pending.count >= batchSize {
            handoff.push(pending)
            pending = []
            pending.reserveCapacity(batchSize)
        }
    }

    /// Judges `flows` (rules, service) on two threads and, in JSON, renders their records there too; this thread
    /// writes them in order and takes note of them. Pipelined by chunks: while one thread writes chunk k (the serial
    /// part: output, assessment, counters), both take blocks of chunk k + 1 to judge as they come free.
    private func writeJudgingOnTwoThreads(_ flows: [Flow]) {
        let table = analyzer.flows
        let classifier = report.classifier
        let json = report.json
        let chunkSize = 4096
        let blockSize = 128
        var previous: JudgedChunk?
        var start = 0
        while start < flows.count || previous != nil {
            let chunk = start..<min(start + chunkSize, flows.count)
            let blocks = stride(from: chunk.lowerBound, to: chunk.upperBound, by: blockSize).map {
                $0..<min($0 + blockSize, chunk.upperBound)
            }
            let lastAnswers = chunk.map { table.lastAnswer(from: flows[$0].responder.address) }
            var results = [JudgedBlock](repeating: JudgedBlock(), count: blocks.count)
            let next = Atomic<Int>(0)
            let writing = previous
            let run = UncheckedSendable(self)
            results.withUnsafeMutableBufferPointer { results in
                let results = UncheckedSendable(results)
                DispatchQueue.concurrentPerform(iterations: 2) { worker in
                    // One thread writes the previous chunk first (nothing else touches the report, the assessment
                    // or the output meanwhile); then both judge blocks, each block taken by one thread only.
                    if worker == 0, let writing { run.value.write(writing, of: flows) }
                    while true {
                        let block = next.wrappingAdd(1, ordering: .relaxed).oldValue
                        guard block < blocks.count else { break }
                        var done = JudgedBlock()
                        done.judged.reserveCapacity(blocks[block].count)
                        for position in blocks[block] {
                            done.judged.append(
                                Report.judge(
                                    flows[position], responderLastAnswered: lastAnswers[position - chunk.lowerBound],
                                    by: classifier))
                        }
                        if json { Report.appendRecords(flows[blocks[block]], done.judged, to: &done.records) }
                        results.value[block] = done
                    }
                }
            }
            previous = chunk.isEmpty ? nil : JudgedChunk(blocks: blocks, results: results)
            start = chunk.upperBound
        }
    }

    /// What the threads made of a chunk of the flows open at the end: per block, verdicts and services, and (JSON)
    /// the records.
    private struct JudgedChunk {
        var blocks: [Range<Int>]
        var results: [JudgedBlock]
    }

    private struct JudgedBlock {
        var judged: [(verdict: Verdict, service: ServiceMatch?)] = []
        var records: [UInt8] = []
    }

    /// Writes a judged chunk in order, and takes note of its flows.
    private func write(_ chunk: JudgedChunk, of flows: [Flow]) {
        for (block, range) in chunk.blocks.enumerated() {
            if report.json { output.write(bytes: chunk.results[block].records) }
            for (offset, position) in range.enumerated() {
                let result = chunk.results[block].judged[offset]
                if !report.json { report.write(flows[position], result.verdict, service: result.service) }
                record(flows[position], result)
            }
        }
        if report.json, report.streaming { output.flush() }
    }

    private func write(_ finished: FinishedFlow) {
        record(finished.flow, report.write(finished.flow, responderLastAnswered: finished.responderLastAnswered))
    }

    /// The assessment, the counters and `--export-pcap` take note of a written flow.
    private func record(_ flow: Flow, _ judged: (verdict: Verdict, service: ServiceMatch?)) {
        let (verdict, service) = judged
        assessment.add(AssessedFlow(flow: flow, verdict: verdict, service: service?.name))
        if verdict.isBlockingOrThrottling { flagged += 1 }
        export?.note(flow, verdict)
        verdictCounts["\(verdict.verdictClass.rawValue)/\(verdict.id)", default: 0] += 1
        flowsWritten += 1
    }

    /// Writes the remaining flows and the statistics, then the rate line on standard error.
    func finish(statistics capture: CaptureStatistics? = nil, quiet: Bool) {
        progress.clear()
        for (linkType, count) in analyzer.statistics.byLinkType.sorted(by: { $0.key < $1.key }) where !linkType.isSupported {
            let message = "link type \(linkType.rawValue) is not supported: its \(count) frame(s) were counted and skipped"
            warnings.append(message)
            Terminal.standardError.write("blockscope: warning: \(message)\n")
        }
        if handoff != nil {
            // The flows still open at the end (UDP flows outlive a short capture: often most of them) are judged on
            // both threads and written in order, one chunk at a time, while the next chunk is judged.
            let open = analyzer.finish()
            stopWriter()
            writeJudgingOnTwoThreads(open)
            endedFlows = open
        } else {
            let table = analyzer.flows
            for flow in analyzer.finish() {
                write(FinishedFlow(flow: flow, responderLastAnswered: table.lastAnswer(from: flow.responder.address)))
            }
        }
        let elapsed = start.duration(to: clock.now)
        let nanoseconds = elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000
        let reassembler = analyzer.dissector.reassembler
        let results = assessment.results()
        concludedBlocking = results.contains { $0.isBlocking }
        report.writeAssessments(results, flows: flowsWritten, untracked: assessment.untrackedFlows)
        if !report.json { output.write("\n") }
        report.writeStatistics(
            analyzer.statistics,
            .init(
                files: files, flows: flowsWritten, verdicts: verdictCounts.sorted { $0.key < $1.key }.map { ($0.key, $0.value) },
                evicted: analyzer.flows.evictedCount,
                fragments: (reassembler.reassembledCount, reassembler.expiredCount, reassembler.evictedCount),
                warnings: warnings, kernelDrops: capture.map { Int($0.droppedByKernel) },
                interfaceDrops: capture.map { Int($0.droppedByInterface) }, elapsedNanoseconds: nanoseconds))
        output.flush()
        if !quiet {
            let statistics = analyzer.statistics
            let seconds = max(Double(nanoseconds) / 1e9, 1e-9)
            Terminal.standardError.write(
                "blockscope: \(statistics.packets) packets (\(Format.bytes(statistics.bytes))) in "
                    + "\(Format.decimal(seconds, places: 3)) s: "
                    + "\(Format.decimal(Double(statistics.packets) / seconds, places: 0)) packets/s, "
                    + "\(Format.decimal(Double(statistics.bytes) / seconds / 1e6, places: 1)) MB/s\n")
        }
    }
}

/// A progress line on standard error, redrawn at most twice a second, only when standard error is a terminal.
final class Progress {
    let enabled: Bool
    private var lastDraw: ContinuousClock.Instant?
    private var drawn = false

    init(enabled: Bool) { self.enabled = enabled }

    func update(_ statistics: TrafficStatistics, force: Bool, clock: ContinuousClock, start: ContinuousClock.Instant) {
        guard enabled else { return }
        let now = clock.now
        if !force, let lastDraw, lastDraw.duration(to: now) < .milliseconds(500) { return }
        lastDraw = now
        let elapsed = start.duration(to: now)
        let seconds = max(Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18, 1e-9)
        Terminal.standardError.write(
            "\r\u{1b}[K  \(statistics.packets) packets, \(Format.bytes(statistics.bytes)), "
                + "\(Format.decimal(Double(statistics.packets) / seconds, places: 0)) packets/s")
        drawn = true
    }

    func clear() {
        if drawn { Terminal.standardError.write("\r\u{1b}[K") }
        drawn = false
    }
}

/// A value handed to another thread whose owner guarantees, by protocol, that the threads never use it at once.
struct UncheckedSendable<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}

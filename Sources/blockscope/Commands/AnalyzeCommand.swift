import ArgumentParser
import Foundation
import PacketCapture

/// `blockscope analyze FILE...`: read captures (streaming, as one stream in the order given) and report
/// packets by link type and protocol, malformed and skipped packets by reason, and the flows.
struct AnalyzeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "analyze",
        abstract: "Analyze pcap/pcapng files: packets, protocols, malformed packets and flows.",
        discussion: "Files are read in the order given, as one stream: a flow split across files is one flow."
    )

    @Argument(help: "pcap or pcapng files.")
    var files: [String]

    @OptionGroup var filter: FilterOption
    @OptionGroup var output: OutputOptions
    @OptionGroup var rules: RulesOption
    @OptionGroup var assessment: AssessmentOption

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Write the packets of the flows called blocked or throttled to DIR, one pcap per verdict id.",
            valueName: "DIR"))
    var exportPcap: String?

    func run() throws {
        var status: Int32 = 0
        var finished: AnalysisRun?
        do {
            // Every file must open before any is read: a typo in the fifth file should not cost a long run.
            for file in files { try PcapHandle.openOffline(path: file).close() }
            let run = AnalysisRun(
                options: output, classifier: try rules.classifier(), parameters: try assessment.parameters(), streaming: false)
            finished = run
            run.files = files
            run.export = try exportPcap.map { try PcapExport(directory: $0) }
            for file in files {
                let handle = try PcapHandle.openOffline(path: file)
                defer { handle.close() }
                try handle.setFilter(filter.filter)
                try run.read(handle)
            }
            run.finish(quiet: output.quiet)
            status = run.exitStatus
            if let export = run.export {
                // The second pass: the same files, the same filter.
                let handles = try files.map { file in
                    let handle = try PcapHandle.openOffline(path: file)
                    try handle.setFilter(filter.filter)
                    return handle
                }
                defer { handles.forEach { $0.close() } }
                let written = try export.write(handles)
                if !output.quiet {
                    Terminal.standardError.write(PcapExport.describe(written, flows: export.flows, directory: export.directory))
                }
            }
        } catch {
            throw Failure.exit(error)
        }
        // 3: an assessment concluded blocking or throttling; 4: flows were flagged but no assessment concluded
        // (docs/OUTPUT.md, README.md). Everything is written: the process exits here, leaving the run's memory (the
        // flow table, the flows still open at the end) to the system instead of freeing it piece by piece.
        withExtendedLifetime(finished) { Foundation.exit(status) }
    }
}

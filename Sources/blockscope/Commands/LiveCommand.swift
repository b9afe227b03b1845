import ArgumentParser
import Dispatch
import Foundation
import PacketCapture

#if canImport(Glibc)
import Glibc
#endif

/// `blockscope live -i IFACE`: the same analysis as `analyze`, on a live interface, until interrupted.
struct LiveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "live",
        abstract: "Analyze live traffic on an interface until SIGINT/SIGTERM (needs root or CAP_NET_RAW).",
        discussion: """
            Once the capture is open, root privileges are dropped to --user (as tcpdump -Z does), so that the
            parser of hostile traffic never runs as root.
            """
    )

    @Option(name: [.customShort("i"), .long], help: "Interface to capture on, e.g. eth0 or lo.")
    var interface: String

    @OptionGroup var filter: FilterOption
    @OptionGroup var output: OutputOptions
    @OptionGroup var rules: RulesOption
    @OptionGroup var assessment: AssessmentOption

    @Option(name: .long, help: "Bytes captured per packet.")
    var snaplen: Int = 262_144

    @Option(name: .long, help: "Kernel capture buffer, in MiB (the ring's slots are about --snaplen each, up to 64 KiB: a larger buffer or a smaller snaplen rides out bursts; Benchmarks/README.md).")
    var bufferSize: Int = 64

    @Flag(name: .long, help: "Do not put the interface into promiscuous mode.")
    var noPromiscuous = false

    @Option(name: .long, help: "User to become once the capture is open (when started as root).")
    var user: String = "nobody"

    @Flag(name: .long, help: "Keep root privileges (not recommended).")
    var noDropPrivileges = false

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Write the packets of the flows called blocked or throttled to DIR, one pcap per verdict id, when the capture "
                + "stops (every packet is spooled in DIR until then).",
            valueName: "DIR"))
    var exportPcap: String?

    @Option(name: [.customShort("c"), .long], help: "Stop after this many packets.")
    var count: Int?

    @Option(name: .long, help: "Stop after this many seconds.")
    var duration: Double?

    func validate() throws {
        if snaplen < 68 || snaplen > 262_144 { throw ValidationError("--snaplen must be between 68 and 262144") }
        if bufferSize < 1 || bufferSize > 2048 { throw ValidationError("--buffer-size must be 1...2048 MiB") }
        if let count, count < 1 { throw ValidationError("--count must be at least 1") }
        if let duration, !(duration > 0) { throw ValidationError("--duration must be positive") }
    }

    func run() throws {
        var status: Int32 = 0
        do {
            // Rule, service and assessment files are read first, as the user who started the command (they may be
            // readable by root only), and a mistake in them fails before anything is captured.
            let classifier = try rules.classifier()
            let parameters = try assessment.parameters()
            let handle = try PcapHandle.openLive(
                LiveOptions(
                    interface: interface, snaplen: snaplen, promiscuous: !noPromiscuous, immediateMode: true,
                    bufferSize: bufferSize << 20, filter: filter.filter))
            defer { handle.close() }
            handle.installSignalHandlers()
            let dropping = !noDropPrivileges && (getuid() == 0 || geteuid() == 0)
            let export = try exportPcap.map { try PcapExport(directory: $0) }
            let spool = try export.map { export in
                try export.openSpool(
                    linkType: handle.linkType ?? .ethernet, snaplen: snaplen,
                    handingTo: dropping ? try PcapHandle.userIDs(user) : nil)
            }
            if !noDropPrivileges { try PcapHandle.dropPrivileges(toUser: user) }
            if let export, !FileManager.default.isWritableFile(atPath: export.directory) {
                try? FileManager.default.removeItem(atPath: export.spoolPath)
                throw Failure.usage(
                    "\(export.directory): not writable by the user live mode becomes (\(user)); choose a directory it "
                        + "can write, or a new one (created for it)")
            }
            let run = AnalysisRun(
                options: output, classifier: classifier, parameters: parameters, streaming: true)
            run.files = []
            run.export = export
            run.spool = spool
            // libpcap wakes a blocked read on pcap_breakloop, so a timer on another thread ends an idle capture too.
            if let duration {
                let breaker = handle.loopBreaker
                DispatchQueue.global().asyncAfter(deadline: .now() + duration) { breaker.breakLoop() }
            }
            let summary = try run.read(handle, stopAfter: count)
            run.finish(statistics: summary.statistics ?? (try? handle.stats()), quiet: output.quiet)
            status = run.exitStatus
            if let export, let spool {
                try spool.close()
                defer { try? FileManager.default.removeItem(atPath: export.spoolPath) }
                let reader = try PcapHandle.openOffline(path: export.spoolPath)
                reader.stopsOnSignal = false  // the signal stopped the capture, not this pass
                defer { reader.close() }
                let written = try export.write([reader])
                if run.spoolFailures > 0 {
                    Terminal.standardError.write(
                        "blockscope: warning: \(run.spoolFailures) packet(s) could not be spooled for --export-pcap (disk full?)\n")
                }
                if !output.quiet {
                    Terminal.standardError.write(PcapExport.describe(written, flows: export.flows, directory: export.directory))
                }
            }
        } catch {
            throw Failure.exit(error)
        }
        // 3: an assessment concluded blocking or throttling; 4: flows were flagged but no assessment concluded
        // (docs/OUTPUT.md, README.md).
        if status != 0 { throw ExitCode(status) }
    }
}

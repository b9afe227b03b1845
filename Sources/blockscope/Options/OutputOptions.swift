import ArgumentParser
import Foundation

/// Options shared by the commands that report flows.
struct OutputOptions: ParsableArguments {
    @Flag(name: .long, help: "Write JSON lines (schema 1, see docs/OUTPUT.md) instead of the text report.")
    var json = false

    @Option(name: .long, help: "Most flows tracked at once; the longest-idle are evicted (and reported) beyond it.")
    var maxFlows: Int = 1_000_000

    @Flag(name: .long, help: "No progress or rate lines on standard error.")
    var quiet = false

    @Flag(name: .long, help: "Text report: list every flow, not only the flagged ones (keeps every flow's lines in memory).")
    var allFlows = false

    @Flag(name: .long, help: "Text report: under each listed flow, the rule that matched (file:line, its `when`) and the facts it read.")
    var explain = false

    @Option(name: .long, help: "Colour in the text report: auto (when standard output is a terminal and NO_COLOR is unset), always, never.")
    var color: String = "auto"

    @Option(name: .long, help: ArgumentHelp(
        "Threads: 1 reads, tracks, judges and writes on one thread; 2 judges and writes finished flows on a second "
            + "thread (same output, same order). Default: analyze 2 on two or more cores; live 2 on three or more "
            + "(the kernel needs a core for the packets).",
        valueName: "1|2"))
    var threads: Int?

    /// `--threads`, or the default for `analyze` (`live: false`) or `live`.
    func threadCount(live: Bool) -> Int {
        threads ?? (ProcessInfo.processInfo.activeProcessorCount >= (live ? 3 : 2) ? 2 : 1)
    }

    func validate() throws {
        guard maxFlows >= 1 else { throw ValidationError("--max-flows must be at least 1") }
        guard threads == nil || threads == 1 || threads == 2 else { throw ValidationError("--threads must be 1 or 2") }
        guard Palette.Choice(rawValue: color) != nil else { throw ValidationError("--color must be auto, always or never") }
    }
}

import ArgumentParser

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

    func validate() throws {
        guard maxFlows >= 1 else { throw ValidationError("--max-flows must be at least 1") }
        guard Palette.Choice(rawValue: color) != nil else { throw ValidationError("--color must be auto, always or never") }
    }
}

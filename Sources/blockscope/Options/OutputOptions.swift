import ArgumentParser

/// Options shared by the commands that report flows.
struct OutputOptions: ParsableArguments {
    @Flag(name: .long, help: "Write JSON lines (schema 1, see docs/OUTPUT.md) instead of the text report.")
    var json = false

    @Option(name: .long, help: "Most flows tracked at once; the longest-idle are evicted (and reported) beyond it.")
    var maxFlows: Int = 1_000_000

    @Flag(name: .long, help: "No progress or rate lines on standard error.")
    var quiet = false

    func validate() throws {
        guard maxFlows >= 1 else { throw ValidationError("--max-flows must be at least 1") }
    }
}

import ArgumentParser

/// `blockscope`: is this traffic being blocked or throttled by the network, and how?
/// The root command only declares the subcommands.
@main
struct BlockscopeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "blockscope",
        abstract: "Tell network-level blocking and throttling apart from ordinary failures, from packets.",
        discussion: """
            Reads packets from pcap/pcapng files or a live interface, follows every flow and reports what it saw.
            Exit status: 0 nothing flagged, 3 blocking or throttling found, 1 internal error, 2 usage or input error.
            """,
        version: BlockscopeVersion.current,
        subcommands: [AnalyzeCommand.self, InspectCommand.self, LiveCommand.self, RulesCommand.self, ServicesCommand.self]
    )
}

enum BlockscopeVersion {
    static let current = "0.1.0"
}

import ArgumentParser
import Foundation

/// `blockscope`: is this traffic being blocked or throttled by the network, and how?
/// The root command only declares the subcommands.
@main
struct BlockscopeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "blockscope",
        abstract: "Tell network-level blocking and throttling apart from ordinary failures, from packets.",
        discussion: """
            Reads packets from pcap/pcapng files or a live interface, follows every flow and reports what it saw.
            Exit status: 0 nothing flagged, 3 an assessment concluded blocking or throttling, 4 flows flagged but no
            conclusion, 1 internal error, 2 usage or input error.
            """,
        version: BlockscopeVersion.current,
        subcommands: [AnalyzeCommand.self, InspectCommand.self, LiveCommand.self, RulesCommand.self, ServicesCommand.self]
    )

    /// ArgumentParser's own parse and validation errors exit 64 (EX_USAGE); Blockscope documents 2 for every usage
    /// or input error, so they are mapped (help and version still exit 0).
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            if exitCode(for: error) == .validationFailure {
                FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
                Foundation.exit(2)
            }
            exit(withError: error)
        }
    }
}

enum BlockscopeVersion {
    static let current = "0.1.0"
}

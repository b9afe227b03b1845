import ArgumentParser
import Blockscope
import PacketCapture
import WireFormat

/// `blockscope inspect FILE`: one line per packet, the debugging view of the dissector.
struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Print one line per packet: time, link, addresses, ports, TCP flags and numbers, TTL, lengths, anomalies."
    )

    @Argument(help: "A pcap or pcapng file.")
    var file: String

    @Option(name: .short, help: "Stop after this many packets.")
    var count: Int?

    @OptionGroup var filter: FilterOption

    func validate() throws {
        if let count, count < 1 { throw ValidationError("-c must be at least 1") }
    }

    func run() throws {
        do {
            let handle = try PcapHandle.openOffline(path: file)
            defer { handle.close() }
            try handle.setFilter(filter.filter)
            // Flows are followed too, so that a ClientHello over several segments or QUIC packets is shown, whole,
            // on the packet that completes it.
            let analyzer = Analyzer()
            analyzer.collectsEvents = true
            let output = OutputBuffer()
            var printed = 0
            let result = try handle.forEachFrame { frame, bytes in
                let summary = analyzer.process(
                    bytes, linkType: frame.linkType, timestamp: frame.timestamp, wireLength: frame.originalLength)
                var line = PacketLine.format(number: frame.number, interface: frame.interfaceIndex, summary)
                for event in analyzer.events ?? [] { line += " | " + ApplicationText.event(event) }
                output.write(line + "\n")
                printed += 1
                if let count, printed >= count { handle.breakLoop() }
            }
            output.flush()
            if let warning = result.warning { Terminal.standardError.write("blockscope: \(warning.description)\n") }
        } catch {
            throw Failure.exit(error)
        }
    }
}

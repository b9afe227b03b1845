import Foundation
import PacketCapture
import WireFormat

// corpus-generator: writes a deterministic, realistic packet mix to a classic pcap file (see Benchmarks/README.md).

struct Options {
    var output = "corpus.pcap"
    var captures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../../Captures").standardizedFileURL.path
    var flows = 150_000
    var seed: UInt64 = 2026
    /// Flows in progress at once; the scheduler picks among them at random for each packet.
    var concurrency = 1000
    /// Mean gap between packets in microseconds (50 µs: ~20,000 packets/s of capture time).
    var gapMicroseconds = 50.0

    static let usage = """
        usage: corpus-generator [--output FILE] [--flows N] [--seed N] [--concurrency N] [--gap-us N] [--captures DIR]
        """

    init(_ arguments: [String]) throws {
        var rest = arguments[...]
        func value(_ name: String) throws -> String {
            guard let next = rest.popFirst() else { throw UsageError("\(name) needs a value") }
            return next
        }
        func number<T: LosslessStringConvertible>(_ name: String) throws -> T {
            let text = try value(name)
            guard let parsed = T(text) else { throw UsageError("\(name): not a number: \(text)") }
            return parsed
        }
        while let argument = rest.popFirst() {
            switch argument {
            case "--output", "-o": output = try value(argument)
            case "--captures": captures = try value(argument)
            case "--flows": flows = try number(argument)
            case "--seed": seed = try number(argument)
            case "--concurrency": concurrency = try number(argument)
            case "--gap-us": gapMicroseconds = try number(argument)
            case "--help", "-h":
                print(Self.usage)
                exit(0)
            default: throw UsageError("unknown argument \(argument)")
            }
        }
        guard flows > 0, concurrency > 0, gapMicroseconds > 0 else { throw UsageError("counts must be positive") }
    }
}

struct UsageError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

func run() throws {
    let options = try Options(Array(CommandLine.arguments.dropFirst()))
    let templates = try Templates(captures: options.captures)
    var scripts = FlowScripts(
        templates: templates, rewriter: try ClientHelloRewriter(record: templates.clientHello),
        random: SeededGenerator(seed: options.seed))
    var scheduler = SeededGenerator(seed: options.seed ^ 0x5eed)
    let writer = try PcapWriter(path: options.output, linkType: .ethernet, snaplen: 65535)
    // 2026-01-01T00:00:00Z.
    var time = Timestamp(seconds: 1_767_225_600, nanoseconds: 0)
    var active: [(frames: [[UInt8]], next: Int)] = []
    var started = 0
    var packets = 0
    var bytes = 0
    while started < options.flows, active.count < options.concurrency {
        active.append((scripts.frames(flow: started), 0))
        started += 1
    }
    while !active.isEmpty {
        let slot = Int.random(in: 0..<active.count, using: &scheduler)
        let frame = active[slot].frames[active[slot].next]
        try writer.write(timestamp: time, bytes: frame)
        packets += 1
        bytes += frame.count
        // Exponential gaps with the given mean.
        let gap = -log(1 - Double.random(in: 0..<1, using: &scheduler)) * options.gapMicroseconds * 1000
        time = Timestamp(nanoseconds: time.nanoseconds + Int64(gap) + 1)
        active[slot].next += 1
        if active[slot].next == active[slot].frames.count {
            if started < options.flows {
                active[slot] = (scripts.frames(flow: started), 0)
                started += 1
            } else {
                active.swapAt(slot, active.count - 1)
                active.removeLast()
            }
        }
    }
    try writer.close()
    print("corpus-generator: \(options.output): \(packets) packets, \(bytes) bytes, \(started) connections, seed \(options.seed)")
}

do {
    try run()
} catch {
    FileHandle.standardError.write("corpus-generator: \(error)\n".data(using: .utf8)!)
    exit(1)
}

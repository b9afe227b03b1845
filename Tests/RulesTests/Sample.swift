import Rules
import WireFormat

/// A small stand-in for the flow record: one field of every type, some of them optional (`null` when absent).
struct Sample: Sendable {
    var rtt: Double? = 0.05
    var silenceResp: Double = 4
    var respBytes: Double = 16_384
    var duration: Double = 10
    var origPackets: Double = 12
    var synRetransmits: Double = 0
    var teardownResponderRSTs: Double = 0
    var established: Bool = true
    var quic: Bool? = nil
    var serverName: String? = "a1.ess.apple.com"
    var alpn: [String] = ["h2", "http/1.1"]
    var responder: IPAddress = IPAddress("17.57.144.10") ?? .unspecifiedIPv4

    static let registry: FieldRegistry<Sample> = {
        var r = FieldRegistry<Sample>()
        r.add("rtt", .duration, "Handshake round-trip time.") { $0.rtt.map(Value.number) ?? .null }
        r.add("silence_resp", .duration, "Longest responder silence.") { .number($0.silenceResp) }
        r.add("resp_bytes", .size, "Responder payload bytes.") { .number($0.respBytes) }
        r.add("duration", .duration, "Flow duration.") { .number($0.duration) }
        r.add("orig_pkts", .number, "Originator packets.") { .number($0.origPackets) }
        r.add("syn_retransmits", .number, "SYN retransmissions.") { .number($0.synRetransmits) }
        r.add("teardown.resp.rsts", .number, "RSTs from the responder.") { .number($0.teardownResponderRSTs) }
        r.add("established", .boolean, "Handshake completed.") { .boolean($0.established) }
        r.add("quic", .boolean, "QUIC seen (null: not UDP).") { $0.quic.map(Value.boolean) ?? .null }
        r.add("sni", .string, "Server name.") { $0.serverName.map(Value.string) ?? .null }
        r.add("alpn", .stringList, "ALPN offered.") { .stringList($0.alpn) }
        r.add("resp_h", .address, "Responder address.") { .address($0.responder) }
        return r
    }()
}

/// Compiles and evaluates `source` over `sample`.
func evaluate(_ source: String, _ sample: Sample = Sample()) throws -> Value {
    try CompiledExpression(source, registry: Sample.registry).evaluate(sample)
}

/// The error message of compiling `source`, as `line:column: message` (nil if it compiles).
func compileError(_ source: String) -> String? {
    do {
        _ = try CompiledExpression(source, registry: Sample.registry)
        return nil
    } catch {
        return "\(error.line):\(error.column): \(error.message)"
    }
}

/// The error of loading `yaml` as `rules.yaml` (nil if it loads).
func loadError(_ yaml: String) -> String? {
    do {
        _ = try RuleSet.load(yaml: yaml, file: "rules.yaml", registry: Sample.registry)
        return nil
    } catch {
        return error.description
    }
}

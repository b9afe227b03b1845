import Blockscope
import FlowTracking
import Rules
import WireFormat

/// Writes flows, assessments and statistics as the text report or as JSON lines (schema 1, docs/OUTPUT.md).
///
/// JSON: flows as they end, then the assessments, then the statistics. Text from files: the assessments first,
/// then the flagged flows (kept until the end: only those, unless `--all-flows`), then the counts. Text live
/// (`streaming`): flagged flows as they end, then the assessment and the counts when the capture stops.
final class Report {
    static let schema = 1
    let json: Bool
    let output: OutputBuffer
    let classifier: Classifier
    var palette = Palette(enabled: false)
    var explain = false
    var allFlows = false
    var streaming = false
    /// Most flow blocks kept for the text report without `--all-flows`; beyond, flagged flows are only counted.
    var listLimit = 10_000

    private var listed: [String] = []
    private(set) var listedCount = 0
    private(set) var unlisted = 0
    private var headerWritten = false

    init(json: Bool, output: OutputBuffer, classifier: Classifier) {
        self.json = json
        self.output = output
        self.classifier = classifier
    }

    /// A flow the text report lists by default: blocked, throttled, or an inconclusive failure.
    static func isFlagged(_ verdict: Verdict) -> Bool {
        verdict.isBlockingOrThrottling
            || (verdict.verdictClass == .inconclusive && verdict.id != "capture-truncated" && verdict.id != "unclassified")
    }

    // MARK: - Flows

    private var flowHeader: String {
        palette.bold(allFlows ? "Flows:" : "Flagged flows (blocked, throttled, or failed without a clear cause):") + "\n" + "  "
            + Format.padded("start (UTC)", 27) + Format.padded("proto", 6) + Format.padded("originator", 42)
            + Format.padded("responder", 42) + Format.padded("pkts →/←", 14, right: true)
            + Format.padded("payload →/←", 22, right: true) + Format.padded("duration", 11, right: true)
            + "  state end\n"
    }

    /// Judges the flow, writes (JSON, live text) or keeps (text from files) what the report says of it; returns the
    /// verdict and the flow's catalogue service. `responderLastAnswered` is what the flow table knew when the flow
    /// ended (`FlowTable.lastAnswer(from:)`): the report may run on another thread than the table's.
    @discardableResult
    func write(_ flow: Flow, responderLastAnswered: Timestamp?) -> (verdict: Verdict, service: ServiceMatch?) {
        let (verdict, service) = Self.judge(flow, responderLastAnswered: responderLastAnswered, by: classifier)
        return write(flow, verdict, service: service)
    }

    /// The flow's verdict and catalogue service (safe on several threads at once).
    static func judge(_ flow: Flow, responderLastAnswered: Timestamp?, by classifier: Classifier)
        -> (verdict: Verdict, service: ServiceMatch?)
    {
        let context = classifier.context(for: flow, responderLastAnswered: responderLastAnswered)
        return (classifier.verdict(for: context), context.service)
    }

    /// Writes (JSON, live text) or keeps (text from files) what the report says of a judged flow.
    @discardableResult
    func write(_ flow: Flow, _ verdict: Verdict, service: ServiceMatch?) -> (verdict: Verdict, service: ServiceMatch?) {
        let result = (verdict: verdict, service: service)
        if json {
            var line = JSONLine(reusing: output)
            Self.addRecord(flow, verdict, service: service, to: &line)
            line.write(to: output)
            if streaming { output.flush() }  // live: each flow's line as it ends, not when 64 KiB have gathered
            return result
        }
        guard allFlows || Self.isFlagged(verdict) else { return result }
        guard allFlows || listedCount < listLimit else {
            unlisted += 1
            return result
        }
        listedCount += 1
        let block = textBlock(flow, verdict, service: service)
        if streaming {
            if !headerWritten {
                headerWritten = true
                output.write(flowHeader)
            }
            output.write(block)
            output.flush()
        } else {
            listed.append(block)
        }
        return result
    }

    /// Appends the JSON records of judged flows, one line each, to `bytes` (safe on several threads at once: each
    /// with its own buffer). A report in JSON writes the same bytes for a flow with `write(_:_:service:)`.
    static func appendRecords(
        _ flows: ArraySlice<Flow>, _ judged: [(verdict: Verdict, service: ServiceMatch?)], to bytes: inout [UInt8]
    ) {
        var line = JSONLine(reusing: [])
        for (offset, position) in flows.indices.enumerated() {
            addRecord(flows[position], judged[offset].verdict, service: judged[offset].service, to: &line)
            line.finish(appendingTo: &bytes)
        }
    }

    /// The flow record's fields (the line is built in a reused buffer: no allocation per flow).
    private static func addRecord(_ flow: Flow, _ verdict: Verdict, service: ServiceMatch?, to line: inout JSONLine) {
        let endReason = flow.endReason ?? .captureEnd
        line.add("type", "flow")
        line.add("schema", Self.schema)
        line.add("ts", epoch: flow.firstSeen.seconds, subsecond: flow.firstSeen.subsecondNanoseconds)
        line.add("duration", seconds: flow.duration)
        line.add("proto", Self.protocolName(flow.key.transportProtocol))
        line.add("community_id", flow.communityID)
        line.add("orig_h", address: flow.originator.address)
        line.add("orig_p", Int(flow.originator.port))
        line.add("resp_h", address: flow.responder.address)
        line.add("resp_p", Int(flow.responder.port))
        line.add("service", service?.name)
        line.add("service_role", service?.role)
        line.add("service_reason", service?.reason)
        line.add("conn_state", flow.zeek.state)
        line.add("history", flow.zeek.history)
        line.add("orig_pkts", flow.orig.packets)
        line.add("resp_pkts", flow.resp.packets)
        line.add("orig_bytes", flow.orig.payloadBytes)
        line.add("resp_bytes", flow.resp.payloadBytes)
        line.add("orig_ip_bytes", flow.orig.ipBytes)
        line.add("resp_ip_bytes", flow.resp.ipBytes)
        addApplication(flow.applicationFacts, to: &line)
        let isTCP = flow.key.transportProtocol == .tcp
        line.object("teardown") { TeardownJSON.write(flow.teardown, isTCP: isTCP, to: &$0) }
        line.add("end_reason", endReason.rawValue)
        line.object("verdict") { judged in
            judged.add("id", verdict.id)
            judged.add("class", verdict.verdictClass.rawValue)
            judged.add("confidence", verdict.confidence.rawValue)
            judged.add("rule", verdict.rule)
            judged.add("title", verdict.title)
            judged.add("evidence", strings: verdict.evidence)
        }
    }

    /// The flow's row, what the parsers found, its verdict with the plain-words evidence, and (`--explain`) the rule.
    private func textBlock(_ flow: Flow, _ verdict: Verdict, service: ServiceMatch?) -> String {
        let endReason = flow.endReason ?? .captureEnd
        var row: [UInt8] = [UInt8(ascii: " "), UInt8(ascii: " ")]  // the columns of `flowHeader`
        row.reserveCapacity(256)
        Format.appendPadded(27, to: &row) { Format.appendDateTime(flow.firstSeen, fractionDigits: 6, to: &$0) }
        Format.appendPadded(6, to: &row) { $0.append(contentsOf: Self.protocolName(flow.key.transportProtocol).utf8) }
        Format.appendPadded(42, to: &row) { Format.appendEndpoint(flow.originator.address, flow.originator.port, to: &$0) }
        Format.appendPadded(42, to: &row) { Format.appendEndpoint(flow.responder.address, flow.responder.port, to: &$0) }
        Format.appendPadded(14, right: true, to: &row) { Self.appendPair(flow.orig.packets, flow.resp.packets, to: &$0) }
        Format.appendPadded(22, right: true, to: &row) { Self.appendPair(flow.orig.payloadBytes, flow.resp.payloadBytes, to: &$0) }
        Format.appendPadded(11, right: true, to: &row) { bytes in
            JSONLine.appendDecimal(Double(flow.duration) / 1e9, places: 3, to: &bytes)  // Format.seconds
            bytes.append(contentsOf: " s".utf8)
        }
        var text = String(decoding: row, as: UTF8.self)
        text += "  \(flow.zeek.state) \(endReason.rawValue)\n"
        if let service {
            text += "      service \(service.name)" + (service.role.map { " (\($0))" } ?? "") + " by \(service.reason)\n"
        }
        if let detail = ApplicationText.flowDetail(flow.applicationFacts) { text += "      \(detail)\n" }
        if let detail = ApplicationText.teardownDetail(flow) { text += "      \(detail)\n" }
        if verdict.verdictClass != .benign {
            let head = "→ \(verdict.verdictClass.rawValue.uppercased()) \(verdict.id)"
            text += "      \(palette.verdictClass(head, verdict.verdictClass)) (\(verdict.confidence.rawValue) confidence): \(verdict.title)\n"
            for line in FlowStory.lines(flow, verdict) { text += "        \(line)\n" }
        } else if allFlows {
            text += "      \(palette.verdictClass("→ \(verdict.id)", .benign)): \(verdict.title)\n"
        }
        if explain { text += explanation(verdict) }
        return text
    }

    /// `orig/resp` counts of a row.
    private static func appendPair(_ originator: Int, _ responder: Int, to bytes: inout [UInt8]) {
        JSONLine.appendInteger(Int64(originator), to: &bytes)
        bytes.append(UInt8(ascii: "/"))
        JSONLine.appendInteger(Int64(responder), to: &bytes)
    }

    /// `--explain`: the rule that matched (id, file:line, `when`) and every fact it read.
    private func explanation(_ verdict: Verdict) -> String {
        guard let rule = classifier.rules.rules.first(where: { $0.id == verdict.rule }) else {
            return palette.dim("        rule: none matched (no catch-all rule in the rule set)") + "\n"
        }
        var text = palette.dim("        rule \(rule.id) at \(rule.file):\(rule.line)") + "\n"
        text += palette.dim("          when: \(rule.when.split(whereSeparator: \.isNewline).joined(separator: " "))") + "\n"
        text += palette.dim("          read: \(verdict.evidence.isEmpty ? "nothing" : verdict.evidence.joined(separator: ", "))") + "\n"
        return text
    }

    /// The kept flow blocks (text report from files), after the assessments.
    func writeListedFlows(total: Int) {
        if !listed.isEmpty {
            output.write(flowHeader)
            for block in listed { output.write(block) }
            listed.removeAll()
        }
        if unlisted > 0 {
            output.write("  \(FlowStory.plural(unlisted, "more flagged flow")) not listed (the report keeps \(listLimit); --json lists all)\n")
        }
        if !allFlows {
            let quiet = total - listedCount - unlisted
            output.write(listedCount + unlisted == 0
                ? "No flow to flag among \(FlowStory.plural(total, "flow")) (--all-flows lists them).\n"
                : "\(FlowStory.plural(quiet, "other flow")) with nothing to flag not listed (--all-flows lists them).\n")
        }
    }

    /// The application-layer fields of a flow record (schema 1: `sni`, `alpn`, `quic_version`, `stun`).
    private static func addApplication(_ facts: ApplicationFacts, to line: inout JSONLine) {
        line.add("app", strings: facts.protocols)
        line.add("sni", facts.clientHello?.serverName)
        line.add("alpn", strings: facts.clientHello?.alpn ?? [])
        line.add("ja4", facts.ja4)
        line.add("client_hello", facts.clientHelloTransport.map(ApplicationText.transport))
        line.add("tls_version", facts.serverHello.map { ApplicationText.version($0.version) })
        line.add("tls_alerts", strings: facts.alerts.map { "\($0.level) \($0.description)" })
        line.add("quic_version", facts.quicVersions.first?.name)
        line.add("quic_initials_before_reply", facts.quicVersions.isEmpty ? nil : facts.quicInitialsBeforeReply)
        let stun = facts.stun
        line.object("stun", stun.messages + stun.channelData > 0 ? stun : nil) { object, stun in
            object.add("requests", stun.requests)
            object.add("responses", stun.successResponses)
            object.add("errors", stun.errorResponses)
            object.add("indications", stun.indications)
            object.add("unanswered", stun.unanswered)
            object.add("retransmissions", stun.retransmissions)
            object.add("channel_data", stun.channelData)
            object.add("methods", strings: stun.methods.map(\.description))
        }
    }

    static func protocolName(_ proto: IPProtocol) -> String { proto.name }

    // MARK: - Statistics

    struct RunFacts {
        var files: [String]
        var flows: Int
        var verdicts: [(String, Int)]
        var evicted: Int
        var fragments: (reassembled: Int, expired: Int, evicted: Int)
        var warnings: [String]
        var kernelDrops: Int?
        var interfaceDrops: Int?
        var elapsedNanoseconds: Int64
    }

    func writeStatistics(_ statistics: TrafficStatistics, _ facts: RunFacts) {
        if json {
            var line = JSONLine()
            line.add("type", "stats")
            line.add("schema", Self.schema)
            line.add("packets", statistics.packets)
            line.add("bytes", statistics.bytes)
            line.add("captured_bytes", statistics.capturedBytes)
            line.add("by_link_type", counts: statistics.linkTypeCounts)
            line.add("by_protocol", counts: statistics.protocolCounts)
            line.add("malformed", counts: statistics.malformedCounts)
            line.add("skipped", counts: statistics.skippedCounts)
            line.add("anomalies", counts: statistics.anomalyCounts)
            line.object("fragments") { fragments in
                fragments.add("reassembled", facts.fragments.reassembled)
                fragments.add("expired", facts.fragments.expired)
                fragments.add("evicted", facts.fragments.evicted)
            }
            line.add("flows", facts.flows)
            line.add("verdicts", counts: facts.verdicts)
            line.add("evicted", facts.evicted)
            line.add("kernel_drops", facts.kernelDrops)
            line.add("interface_drops", facts.interfaceDrops)
            line.add("first_ts", statistics.firstTimestamp.map { $0.description })
            line.add("last_ts", statistics.lastTimestamp.map { $0.description })
            line.add("elapsed", seconds: facts.elapsedNanoseconds)
            line.add("files", strings: facts.files)
            line.add("warnings", strings: facts.warnings)
            line.write(to: output)
            return
        }
        var text = ""
        let span: String
        if let first = statistics.firstTimestamp, let last = statistics.lastTimestamp {
            span = ", \(Format.seconds(last.nanoseconds(since: first))) s of traffic from "
                + "\(Format.dateTime(first, fractionDigits: 0)) to \(Format.dateTime(last, fractionDigits: 0)) UTC"
        } else {
            span = ""
        }
        text += "\(statistics.packets) packets, \(Format.bytes(statistics.bytes))\(span)\n"
        text += "  link types: \(Self.list(statistics.linkTypeCounts))\n"
        text += "  protocols:  \(Self.list(statistics.protocolCounts))\n"
        text += "  malformed:  \(Self.list(statistics.malformedCounts))\n"
        text += "  skipped:    \(Self.list(statistics.skippedCounts))\n"
        text += "  anomalies:  \(Self.list(statistics.anomalyCounts))\n"
        if facts.fragments.reassembled + facts.fragments.expired + facts.fragments.evicted > 0 {
            text += "  fragments:  \(facts.fragments.reassembled) datagrams reassembled, "
                + "\(facts.fragments.expired) timed out, \(facts.fragments.evicted) evicted\n"
        }
        text += "  verdicts:   \(Self.list(facts.verdicts))\n"
        text += "  flows:      \(facts.flows)" + (facts.evicted > 0 ? " (\(facts.evicted) evicted when the table was full)" : "")
            + "\n"
        if let drops = facts.kernelDrops {
            text += "  kernel drops: \(drops)" + (facts.interfaceDrops.map { ", interface drops: \($0)" } ?? "") + "\n"
        }
        for warning in facts.warnings { text += "  warning: \(warning)\n" }
        output.write(text)
    }

    static func list(_ counts: [(String, Int)]) -> String {
        counts.isEmpty ? "none" : counts.map { "\($0.0) \($0.1)" }.joined(separator: ", ")
    }
}

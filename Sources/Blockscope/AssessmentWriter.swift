import Rules
import WireFormat

/// Turns one group's tally and its controls into a conclusion, a level, evidence lines and a summary sentence.
struct AssessmentWriter {
    let group: AssessmentGroup
    let parameters: AssessmentParameters
    /// What worked alongside (all kinds).
    var controls: [AssessmentResult.Control]
    /// FaceTime: the controls without the service's own flows, used for `facetime-setup-blocked`.
    var patternControls: [AssessmentResult.Control]?
    /// Destination groups: flows with a failing trigger that worked at the same address (the mixed ratio).
    var workedSameTrigger = 0

    init(group: AssessmentGroup, parameters: AssessmentParameters, controls: [AssessmentResult.Control]) {
        self.group = group
        self.parameters = parameters
        self.controls = controls
    }

    var label: String {
        switch group.key {
        case .service(let name): name
        case .destination(let address): address.description
        }
    }

    func result() -> AssessmentResult {
        var writer = self
        // FaceTime's call-setup pattern is judged with controls other than FaceTime's own flows.
        if let patternControls, faceTimePatternHolds { writer.controls = patternControls }
        return writer.conclude()
    }

    /// The push connection is alive and enough relay/media flows went unanswered.
    private var faceTimePatternHolds: Bool {
        guard case .service(let name) = group.key, name == Assessment.faceTimeService else { return false }
        return group.pushAlive > 0 && group.relayUnanswered >= parameters.minimumFlows
    }

    private func conclude() -> AssessmentResult {
        var evidence: [String] = []
        let conclusion: String
        let conclusionClass: VerdictClass
        let level: AssessmentResult.Level
        let headline: String
        var numbers: String

        evidence.append("\(Self.plural(group.flows, "flow")): " + sortedCounts.map { "\($0.id) \($0.count)" }.joined(separator: ", "))
        if group.neutral > group.muted {
            evidence.append("\(Self.plural(group.neutral - group.muted, "flow")) neither failed nor got data back (refused, silent server, client abort): "
                + "not evidence either way")
        }
        if group.uninformative > 0 {
            evidence.append("\(Self.plural(group.uninformative, "flow")) cut by the capture or judged by no rule: not counted as evidence")
        }
        let controlWords = controls.isEmpty ? "no control worked in the capture" : "a control worked (\(controls.map(\.kind.rawValue).joined(separator: ", ")))"

        if let faceTime = faceTimeConclusion() {
            conclusion = "facetime-setup-blocked"
            conclusionClass = .blocked
            level = faceTime.likely ? .likely : .suspected
            headline = "call setup blocked at the network level"
            evidence += faceTime.evidence
            numbers = "\(group.relayUnanswered) of \(group.relayUnanswered + group.relayWorked + group.relayOther) relay/media flows "
                + "unanswered in \(Self.plural(group.relayAttempts.count, "attempt")) while the push connection worked and "
                + controlWords
        } else if group.blocking >= parameters.minimumFlows, let id = dominantBlockingID {
            conclusion = id
            conclusionClass = group.classes[id] ?? .blocked
            let attempts = group.blockingAttempts.count
            let span = group.blockingSpan.seconds
            let likely = attempts >= parameters.likelyAttempts && span >= parameters.likelySpan && !controls.isEmpty
            level = likely ? .likely : .suspected
            headline = Self.sentenceCase(group.titles[id] ?? id)
            let blockingIDs = sortedCounts.filter { group.classes[$0.id] == .blocked || group.classes[$0.id] == .throttled }
                .filter { !AssessedFlow.uninformative.contains($0.id) }
            evidence.append(
                "\(group.blocking) of \(group.flows - group.uninformative) flows blocked or throttled ("
                    + blockingIDs.map { "\($0.id) \($0.count)" }.joined(separator: ", ") + ")")
            evidence.append(spreadLine(attempts: attempts, span: span, likely: likely))
            numbers = "\(group.blocking) of \(group.flows - group.uninformative) flows blocked or throttled, in "
                + "\(Self.plural(attempts, "attempt")) over \(Self.duration(span)); " + controlWords
            if let mixed = mixedLine() {
                evidence.append(mixed)
                numbers += "; some flows with the same trigger worked (probabilistic blocking?)"
            }
        } else if group.blocking == 0, group.muted >= parameters.minimumFlows, hasSameDestinationControl {
            // Acknowledged and never answered, while another name answered on the same address: the server is up and
            // answers others — research §4.3 `tls-response-muted`.
            conclusion = "tls-hello-muted"
            conclusionClass = .blocked
            let attempts = group.mutedAttempts.count
            let span = group.mutedSpan.seconds
            let likely = attempts >= parameters.likelyAttempts && span >= parameters.likelySpan
            level = likely ? .likely : .suspected
            headline = "requests acknowledged and never answered, while another name answered on the same address"
            evidence.append(
                "\(group.muted) of \(group.flows - group.uninformative) flows were acknowledged by the server and never answered "
                    + "(server-silent), while another name or protocol worked on the same address: a server that answers "
                    + "others but not these")
            evidence.append(spreadLine(attempts: attempts, span: span, likely: likely))
            numbers = "\(group.muted) of \(group.flows - group.uninformative) flows muted, in \(Self.plural(attempts, "attempt")) over "
                + "\(Self.duration(span)); " + controlWords
        } else if group.blocking == 1, let first = group.firstFailure {
            conclusion = "inconclusive"
            conclusionClass = .inconclusive
            level = .low
            headline = "inconclusive"
            let looked = "one flow looked like \(first.verdictID) (\(Self.lowerFirst(group.firstFailureTitle ?? first.verdictID))): "
                + Self.describe(first)
            evidence.append(looked + "; one flow never concludes blocking")
            numbers = "one \(first.verdictID) flow, and one flow never concludes blocking; " + controlWords
        } else if group.failingInconclusive + group.muted == 1, group.blocking == 0, let first = group.firstFailure {
            conclusion = "inconclusive"
            conclusionClass = .inconclusive
            level = .low
            headline = "inconclusive"
            evidence.append(
                "one flow looked like \(first.verdictID) (\(Self.lowerFirst(group.firstFailureTitle ?? first.verdictID))), without "
                    + "what the rules need to call it blocked: " + Self.describe(first))
            numbers = "one \(first.verdictID) flow, without the marks of blocking; " + controlWords
        } else if group.failingInconclusive > 0 || group.blocking > 0 || group.muted > 0 {
            conclusion = "inconclusive"
            conclusionClass = .inconclusive
            level = .low
            headline = "inconclusive"
            let ids = sortedCounts.filter {
                (group.classes[$0.id] == .inconclusive && !AssessedFlow.uninformative.contains($0.id)) || $0.id == "server-silent"
            }
            let failed = group.failingInconclusive + group.muted
            evidence.append(
                "\(Self.plural(failed, "flow")) failed without the marks of blocking ("
                    + ids.map { "\($0.id) \($0.count)" }.joined(separator: ", ") + ")")
            if group.muted > 0 {
                evidence.append("no other name worked on the same address: a silent server looks the same as a muted reply")
            }
            numbers = "\(Self.plural(failed, "flow")) failed without the marks of blocking"
            if group.pushFailed > 0 { evidence.append("the push connection failed too (\(Self.plural(group.pushFailed, "flow")))") }
        } else if group.worked > 0 {
            conclusion = "not-blocked"
            conclusionClass = .benign
            level = group.worked >= parameters.minimumFlows ? .likely : .low
            headline = "no sign of blocking"
            numbers = "\(group.worked) of \(group.flows) flows worked"
        } else {
            conclusion = "inconclusive"
            conclusionClass = .inconclusive
            level = .low
            headline = "inconclusive"
            numbers = "no flow failed, and none got data back"
        }
        if group.blocking > 0 || group.failingInconclusive > 0 || group.muted > 0 {
            if group.blocking + group.failingInconclusive + group.muted > 1 {
                for example in group.examples { evidence.append("e.g. " + Self.describe(example)) }
            }
            evidence += controls.map { "control (\($0.kind.rawValue)): \($0.example) worked" + ($0.flows > 1 ? " (\($0.flows) flows)" : "") }
            if controls.isEmpty { evidence.append("no control worked in the capture (no other address, name or service answered)") }
        }
        return AssessmentResult(
            scope: group.key.scope, service: group.key.service, destination: group.key.destination, conclusion: conclusion,
            conclusionClass: conclusionClass, level: level, flows: sortedCounts,
            firstTimestamp: group.span.first ?? .zero, lastTimestamp: group.span.last ?? .zero, controls: controls,
            evidence: evidence,
            summary: "\(label): \(headline)" + (conclusion == "inconclusive" ? "" : " (\(level.rawValue))") + " — \(numbers)")
    }

    private var hasSameDestinationControl: Bool { controls.contains { $0.kind == .sameDestination } }

    // MARK: - FaceTime

    /// `facetime-setup-blocked` when the push connection is alive and at least `min_flows` relay/media flows went
    /// unanswered; nil otherwise (the generic rules then apply).
    private func faceTimeConclusion() -> (likely: Bool, evidence: [String])? {
        guard faceTimePatternHolds else { return nil }
        let attempts = group.relayAttempts.count
        let span = group.relaySpan.seconds
        let likely = attempts >= parameters.likelyAttempts && span >= parameters.likelySpan && !controls.isEmpty
        var evidence: [String] = []
        let relays = group.relayUnanswered + group.relayWorked + group.relayOther
        let ports = group.relayPorts.elements.sorted().map(String.init).joined(separator: ", ")
        let addresses = group.relayDestinations.elements.map(\.description).joined(separator: ", ")
        evidence.append(
            "\(group.relayUnanswered) of \(relays) relay/media flows (UDP to \(addresses) port\(group.relayPorts.elements.count > 1 ? "s" : "") "
                + "\(ports)) got nothing back")
        if let push = group.pushExample {
            evidence.append("push connection alive: \(Self.plural(group.pushAlive, "flow")) with data both ways, e.g. \(Self.describe(push))")
        }
        if group.relayWorked > 0 {
            evidence.append(
                "\(Self.plural(group.relayWorked, "relay/media flow")) answered: \(group.relayUnanswered) of \(relays) failing is "
                    + "consistent with blocking that does not catch every call")
        }
        evidence.append(spreadLine(attempts: attempts, span: span, likely: likely))
        return (likely, evidence)
    }

    // MARK: - Lines

    private func spreadLine(attempts: Int, span: Double, likely: Bool) -> String {
        let count = attempts >= 64 ? "at least 64 attempts" : Self.plural(attempts, "attempt")
        var line = "\(count) (distinct \(Self.duration(parameters.attemptGap)) windows with a flow starting) over "
            + Self.duration(span)
        if !likely {
            line += "; \"likely\" needs ≥\(parameters.likelyAttempts) attempts over ≥\(Self.duration(parameters.likelySpan)) "
                + "and a control that worked"
        }
        return line
    }

    private func mixedLine() -> String? {
        let worked: Int
        switch group.key {
        case .service: worked = group.worked
        case .destination: worked = workedSameTrigger
        }
        guard worked > 0 else { return nil }
        let total = group.blocking + worked
        let percent = Int((Double(group.blocking) / Double(total) * 100).rounded())
        return "\(group.blocking) of \(total) flows with the same trigger failed (\(percent) %), \(worked) worked: a mix is "
            + "consistent with blocking that does not catch every connection"
    }

    private var sortedCounts: [(id: String, count: Int)] {
        group.counts.sorted { $0.key < $1.key }.map { (id: $0.key, count: $0.value) }
    }

    /// The most frequent blocking verdict id (ties: the first in id order, for stable output).
    private var dominantBlockingID: String? {
        sortedCounts.filter { (group.classes[$0.id] == .blocked || group.classes[$0.id] == .throttled) && !AssessedFlow.uninformative.contains($0.id) }
            .max { $0.count < $1.count || ($0.count == $1.count && $0.id > $1.id) }?.id
    }

    static func describe(_ example: FlowExample) -> String {
        let port = example.destination.isIPv6 ? "[\(example.destination)]:\(example.port)" : "\(example.destination):\(example.port)"
        return "\(example.transport) to \(port)" + (example.name.map { " (\($0))" } ?? "") + ": \(example.verdictID)"
    }

    static func plural(_ count: Int, _ noun: String) -> String { "\(count) \(noun)\(count == 1 ? "" : "s")" }

    /// `6.7 s`, `2 min 10 s`, `1 h 5 min`.
    static func duration(_ seconds: Double) -> String {
        if seconds < 60 {
            let tenths = (seconds * 10).rounded() / 10
            return tenths == tenths.rounded() ? "\(Int(tenths)) s" : "\(tenths) s"
        }
        let total = Int(seconds.rounded())
        if total < 3600 { return total % 60 == 0 ? "\(total / 60) min" : "\(total / 60) min \(total % 60) s" }
        return "\(total / 3600) h \(total % 3600 / 60) min"
    }

    static func sentenceCase(_ text: String) -> String { lowerFirst(text) }

    static func lowerFirst(_ text: String) -> String {
        guard let first = text.first else { return text }
        // Keep acronyms (`RST`, `QUIC`, `STUN`) as they are.
        if text.count > 1, text.dropFirst().first?.isUppercase == true { return text }
        return first.lowercased() + text.dropFirst()
    }
}

extension AssessmentGroup.Key {
    var scope: AssessmentResult.Scope {
        switch self {
        case .service: .service
        case .destination: .destination
        }
    }

    var service: String? {
        if case .service(let name) = self { return name }
        return nil
    }

    var destination: IPAddress? {
        if case .destination(let address) = self { return address }
        return nil
    }
}

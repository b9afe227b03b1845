import FlowTracking
import Rules

/// What rules read: the finished flow, and what the rest of the capture says about it.
public struct FlowContext: Sendable {
    public var flow: Flow
    /// The responder's address answered in another flow seen so far (the host is reachable: a control).
    public var responderAnsweredElsewhere: Bool

    public init(flow: Flow, responderAnsweredElsewhere: Bool) {
        self.flow = flow
        self.responderAnsweredElsewhere = responderAnsweredElsewhere
    }
}

/// A flow's verdict: the rule that matched, what it concluded, and the facts it read (the evidence).
public struct Verdict: Sendable {
    /// The taxonomy id (`tls-hello-rst`, `completed`, ...).
    public var id: String
    public var verdictClass: VerdictClass
    public var confidence: Confidence
    /// The rule that matched (its id) and its title.
    public var rule: String
    public var title: String
    /// `field = value` for every fact the rule read, in order.
    public var evidence: [String]

    public var isBlockingOrThrottling: Bool { verdictClass == .blocked || verdictClass == .throttled }
}

/// Judges finished flows with a rule set over the flow-record fields (`FlowFields`). Every flow gets a verdict:
/// the default rules end with a catch-all, and a rule set without one yields `unclassified`.
public struct Classifier: Sendable {
    public let rules: RuleSet<FlowContext>

    public static var registry: FieldRegistry<FlowContext> { FlowFields.registry }

    /// The built-in rules, extended (or replaced rule by rule, by id) by `extra` when given.
    public init(extra: RuleSet<FlowContext>? = nil) throws(RuleError) {
        let defaults = try RuleSet.load(yaml: DefaultRules.yaml, file: DefaultRules.file, registry: FlowFields.registry)
        rules = extra.map { defaults.appending($0) } ?? defaults
    }

    public init(rules: RuleSet<FlowContext>) { self.rules = rules }

    /// Loads a user's rule file.
    public static func load(yaml: String, file: String) throws(RuleError) -> RuleSet<FlowContext> {
        try RuleSet.load(yaml: yaml, file: file, registry: FlowFields.registry)
    }

    public func verdict(for flow: Flow, service: String? = nil) -> Verdict {
        verdict(for: FlowContext(flow: flow, responderAnsweredElsewhere: false), service: service)
    }

    /// The verdict with what the rest of the capture says (a same-host control).
    public func verdict(for context: FlowContext, service: String? = nil) -> Verdict {
        guard let match = rules.evaluate(context, service: service) else {
            return Verdict(id: "unclassified", verdictClass: .inconclusive, confidence: .low, rule: "none",
                           title: "No rule matched", evidence: [])
        }
        return Verdict(
            id: match.verdict, verdictClass: match.verdictClass, confidence: match.confidence, rule: match.ruleID,
            title: match.title, evidence: match.facts.map { "\($0.field) = \(Self.describe($0.value))" })
    }

    static func describe(_ value: Value) -> String {
        switch value {
        case .number(let number):
            return number == number.rounded() && abs(number) < 1e15 ? String(Int64(number)) : String(number)
        case .boolean(let bool): return bool ? "true" : "false"
        case .string(let string): return "\"\(string)\""
        case .address(let address): return address.description
        case .stringList(let list): return "[" + list.map { "\"\($0)\"" }.joined(separator: ", ") + "]"
        case .null: return "null"
        }
    }
}

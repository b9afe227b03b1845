import Foundation
import FlowTracking
import Rules
import WireFormat

/// What rules read: the finished flow, and what the rest of the capture says about it.
public struct FlowContext: Sendable {
    public var flow: Flow
    /// The responder's address answered in another flow seen so far (the host is reachable: a control).
    public var responderAnsweredElsewhere: Bool
    /// When the responder's address last answered in another flow (packet time), if it did.
    public var responderLastAnswered: Timestamp?
    /// The flow's service from the catalogue, with its role and why.
    public var service: ServiceMatch?

    public init(
        flow: Flow, responderAnsweredElsewhere: Bool, responderLastAnswered: Timestamp? = nil, service: ServiceMatch? = nil
    ) {
        self.flow = flow
        self.responderAnsweredElsewhere = responderAnsweredElsewhere
        self.responderLastAnswered = responderLastAnswered
        self.service = service
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
    /// Names each flow's service (the rules' `services:` scopes and the `service` field read it).
    public let services: ServiceCatalogue

    public static var registry: FieldRegistry<FlowContext> { FlowFields.registry }

    /// The built-in rules, extended (or replaced rule by rule, by id) by `extra` when given; the built-in service
    /// catalogue, with `extraServices` tried first when given.
    public init(extra: RuleSet<FlowContext>? = nil, extraServices: ServiceCatalogue? = nil) throws(RuleError) {
        let defaults = try RuleSet.load(yaml: DefaultRules.yaml, file: DefaultRules.file, registry: FlowFields.registry)
        rules = extra.map { defaults.appending($0) } ?? defaults
        let catalogue = try ServiceCatalogue.load(yaml: DefaultServices.yaml, file: DefaultServices.file)
        services = extraServices.map { catalogue.prepending($0) } ?? catalogue
    }

    public init(rules: RuleSet<FlowContext>, services: ServiceCatalogue = ServiceCatalogue()) {
        self.rules = rules
        self.services = services
    }

    /// What rules read about `flow`: the flow, its service, and whether its responder answered elsewhere.
    public func context(for flow: Flow, responderAnsweredElsewhere: Bool) -> FlowContext {
        FlowContext(flow: flow, responderAnsweredElsewhere: responderAnsweredElsewhere, service: service(for: flow))
    }

    /// What rules read about `flow`, with what `table` knows of the rest of the capture (same-host controls).
    public func context(for flow: Flow, in table: FlowTable) -> FlowContext {
        context(for: flow, responderLastAnswered: table.lastAnswer(from: flow.responder.address))
    }

    /// What rules read about `flow`, given when its responder last answered in another flow (`FlowTable.lastAnswer`
    /// taken when the flow ended; nil if never): for judging flows away from the thread that owns the table.
    public func context(for flow: Flow, responderLastAnswered lastAnswer: Timestamp?) -> FlowContext {
        FlowContext(
            flow: flow, responderAnsweredElsewhere: lastAnswer != nil, responderLastAnswered: lastAnswer,
            service: service(for: flow))
    }

    /// The flow's service from the catalogue.
    public func service(for flow: Flow) -> ServiceMatch? {
        let facts = flow.applicationFacts
        return services.service(
            for: ServiceQuery(
                sni: facts.clientHello?.serverName, transport: flow.key.transportProtocol,
                originator: flow.originator.address, originatorPort: flow.originator.port,
                responder: flow.responder.address, responderPort: flow.responder.port,
                stunMessages: facts.stun.messages, stunSoftware: facts.stun.software, stunRealm: facts.stun.realm,
                stunAttributeTypes: facts.stun.attributeTypes, stunMessageTypes: facts.stun.messageTypes))
    }

    /// Loads a user's rule file.
    public static func load(yaml: String, file: String) throws(RuleError) -> RuleSet<FlowContext> {
        try RuleSet.load(yaml: yaml, file: file, registry: FlowFields.registry)
    }

    /// The verdict of a flow judged alone (no same-host control), with its catalogue service.
    public func verdict(for flow: Flow) -> Verdict {
        verdict(for: context(for: flow, responderAnsweredElsewhere: false))
    }

    /// The verdict with what the rest of the capture says (a same-host control); rules scoped with `services:`
    /// apply when the context's service is one of them.
    public func verdict(for context: FlowContext) -> Verdict {
        guard let match = rules.evaluate(context, service: context.service?.name) else {
            return Verdict(id: "unclassified", verdictClass: .inconclusive, confidence: .low, rule: "none",
                           title: "No rule matched", evidence: [])
        }
        return Verdict(
            id: match.verdict, verdictClass: match.verdictClass, confidence: match.confidence, rule: match.ruleID,
            title: match.title,
            evidence: match.facts.map { "\($0.field) = \(Self.describe($0.value, as: Self.fieldTypes[$0.field]))" })
    }

    /// Each field's type, for writing its value in the rule language's units.
    static let fieldTypes: [String: ValueType] = Dictionary(
        FlowFields.registry.fields.map { ($0.name, $0.type) }, uniquingKeysWith: { first, _ in first })

    /// A value as the rule language would write it: durations with a unit (`15us`, `1.5ms`, `3.2s`), sizes in
    /// bytes (`517B`), so that evidence can be pasted into a rule.
    static func describe(_ value: Value, as type: ValueType?) -> String {
        guard case .number(let number) = value, let type else { return describe(value) }
        switch type {
        case .duration:
            let magnitude = abs(number)
            let (scaled, unit): (Double, String) =
                magnitude == 0 ? (0, "s") : magnitude < 1e-6 ? (number * 1e9, "ns") : magnitude < 1e-3 ? (number * 1e6, "us")
                : magnitude < 1 ? (number * 1e3, "ms") : (number, "s")
            return trimmed(scaled) + unit
        case .size:
            return describe(value) + "B"
        default:
            return describe(value)
        }
    }

    /// At most three decimals, without trailing zeros.
    private static func trimmed(_ value: Double) -> String {
        let rounded = (value * 1000).rounded() / 1000
        if rounded == rounded.rounded(), abs(rounded) < 1e15 { return String(Int64(rounded)) }
        var text = String(format: "%.3f", rounded)
        while text.hasSuffix("0") { text.removeLast() }
        return text
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

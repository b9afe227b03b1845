/// What a verdict says about a flow.
public enum VerdictClass: String, Hashable, Sendable, CaseIterable {
    case blocked, throttled, benign, inconclusive
}

/// How sure a rule is when it matches.
public enum Confidence: String, Hashable, Sendable, CaseIterable, Comparable {
    case low, medium, high

    public static func < (a: Confidence, b: Confidence) -> Bool {
        allCases.firstIndex(of: a) ?? 0 < allCases.firstIndex(of: b) ?? 0
    }
}

/// One rule of a rules file: who it is, what it concludes, and when (a compiled condition).
public struct Rule<Record>: Sendable {
    public var id: String
    /// The verdict id the rule reports (the taxonomy's: `tls-hello-rst`, ...); `id` unless the file says `verdict:`.
    public var verdict: String
    public var title: String
    public var verdictClass: VerdictClass
    public var confidence: Confidence
    /// The services the rule is limited to; `nil` for every flow.
    public var services: [String]?
    /// The compiled `when` condition (its `source` is the text as written).
    public var condition: CompiledExpression<Record>
    /// Where the rule was defined (file and line of its first key).
    public var file: String
    public var line: Int

    /// The `when` text as written in the file.
    public var when: String { condition.source }

    /// True when the rule applies to a flow of `service` (`services` absent, or listing it).
    public func applies(to service: String?) -> Bool {
        guard let services else { return true }
        guard let service else { return false }
        return services.contains(service)
    }
}

/// The rule that gave a flow its verdict, and the facts its condition read.
public struct Match: Sendable {
    public var ruleID: String
    /// The verdict id (the rule's `verdict`, by default its id).
    public var verdict: String
    public var title: String
    public var verdictClass: VerdictClass
    public var confidence: Confidence
    /// Every field the condition mentions, in order of first mention, with its value for this flow.
    public var facts: [(field: String, value: Value)]
}

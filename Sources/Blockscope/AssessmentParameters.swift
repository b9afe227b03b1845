import Rules

/// The thresholds of the assessment's rules of evidence (research §3.3 and §4.7), kept as data: the built-in values
/// are `AssessmentParameters.yaml`, and a file in the same format (`blockscope ... --assessment FILE`) overrides
/// any of them. docs/OUTPUT.md describes each.
public struct AssessmentParameters: Sendable, Equatable {
    /// Blocked or throttled flows needed for any blocking conclusion: one flow alone never concludes blocking.
    public var minimumFlows = 2
    /// Distinct attempts needed for `likely` (research: ≥3 matching flows).
    public var likelyAttempts = 3
    /// Time the matching flows must cover for `likely`, first start → last end (research: ≥2 minutes).
    public var likelySpan = 120.0
    /// Attempts are counted as distinct windows of this many seconds (aligned to the epoch) in which a flow started.
    public var attemptGap = 10.0
    /// Example flows kept per group (for the evidence lines).
    public var examples = 3
    /// Destinations remembered for controls, and destination groups at most; beyond, flows are counted only.
    public var maximumDestinations = 65_536

    public init() {}

    public static let file = "<built-in assessment parameters>"
    public static let section = "assessment"

    /// The built-in values, in the format a user's file uses.
    public static let yaml = """
        # Blockscope's assessment thresholds (research/blocking-taxonomy.md §3.3; docs/OUTPUT.md explains each).
        assessment:
          # Blocked or throttled flows needed for any blocking conclusion (one flow never concludes blocking).
          min_flows: 2
          # For "likely": this many distinct attempts ...
          likely_attempts: 3
          # ... covering at least this long (first matching flow's start to the last one's end) ...
          likely_span: 2min
          # ... plus a control that worked. Attempts: distinct attempt_gap-long windows of the clock with a flow starting.
          attempt_gap: 10s
          # Example flows kept per service or destination.
          examples: 3
          # Destinations remembered for controls (and destination groups) at most: memory stays bounded.
          max_destinations: 65536
        """

    static let expected: [String: ValueType] = [
        "min_flows": .number, "likely_attempts": .number, "likely_span": .duration, "attempt_gap": .duration,
        "examples": .number, "max_destinations": .number,
    ]

    /// The built-in values overridden by `yaml` (a file's text); errors name the file, line and column.
    public static func load(yaml: String, file: String) throws(RuleError) -> AssessmentParameters {
        var parameters = try AssessmentParameters.builtIn()
        try parameters.apply(ParameterFile.load(yaml: yaml, file: file, section: section, expected: expected), file: file)
        return parameters
    }

    /// The built-in values (parsed from `yaml`, so that the text shown to users is the truth).
    public static func builtIn() throws(RuleError) -> AssessmentParameters {
        var parameters = AssessmentParameters()
        try parameters.apply(ParameterFile.load(yaml: yaml, file: file, section: section, expected: expected), file: file)
        return parameters
    }

    private mutating func apply(_ values: [String: ParameterFile.Parameter], file: String) throws(RuleError) {
        func count(_ name: String, minimum: Int) throws(RuleError) -> Int? {
            guard let parameter = values[name] else { return nil }
            let value = parameter.value
            guard value == value.rounded(), value >= Double(minimum), value <= 1e9 else {
                throw RuleError(
                    file: file, line: parameter.line, column: parameter.column,
                    message: "'\(name)' must be a whole number ≥ \(minimum)")
            }
            return Int(value)
        }
        if let value = try count("min_flows", minimum: 2) { minimumFlows = value }
        if let value = try count("likely_attempts", minimum: 1) { likelyAttempts = value }
        if let value = try count("examples", minimum: 0) { examples = value }
        if let value = try count("max_destinations", minimum: 1) { maximumDestinations = value }
        if let value = values["likely_span"]?.value { likelySpan = value }
        if let value = values["attempt_gap"]?.value { attemptGap = value }
    }
}

import Yams

/// An ordered list of rules; the first rule whose `when` is true (and whose `services` allow the flow) wins.
///
/// Loaded from YAML (see docs/RULES.md): either a top-level list of rules or a mapping `{rules: [...]}`. Every
/// problem in a file is a `RuleError` naming the file, line and column; nothing in a rules file can crash.
public struct RuleSet<Record>: Sendable {
    public private(set) var rules: [Rule<Record>]
    let registry: FieldRegistry<Record>
    /// Per rule, what deciding whether it matches needs (its scope and its condition), taken out once: walking the
    /// rules themselves copied each rule's strings and lists for every flow. (The facts of the rule that matched are
    /// read by name, once per flow; a reader closure kept in an array here was re-wrapped, an allocation, per call.)
    private let candidates: [Candidate]

    private struct Candidate: Sendable {
        let services: [String]?
        let condition: @Sendable (Record) -> Value
    }

    public init(rules: [Rule<Record>] = [], registry: FieldRegistry<Record>) {
        self.rules = rules
        self.registry = registry
        candidates = rules.map { Candidate(services: $0.services, condition: $0.condition.body) }
    }

    /// The first matching rule, with the facts it read; `nil` when none matches (the defaults end with a
    /// catch-all rule so that every flow gets a verdict).
    public func evaluate(_ record: Record, service: String?) -> Match? {
        candidates.withUnsafeBufferPointer { candidates in
            for index in candidates.indices {
                if let services = candidates[index].services {
                    guard let service, services.contains(service) else { continue }
                }
                guard case .boolean(true) = candidates[index].condition(record) else { continue }
                let facts = rules[index].condition.fieldsRead.map { name in
                    (field: name, value: registry.entry(name)?.read(record) ?? .null)
                }
                let rule = rules[index]
                return Match(
                    ruleID: rule.id, verdict: rule.verdict, title: rule.title, verdictClass: rule.verdictClass,
                    confidence: rule.confidence, facts: facts)
            }
            return nil
        }
    }

    /// This set extended by `other` (a user's file over the defaults): a rule of `other` with an id already here
    /// replaces it in place; `other`'s new rules come first, in their order, so that they are tried before the
    /// defaults' general rules and catch-all.
    public func appending(_ other: RuleSet<Record>) -> RuleSet<Record> {
        let replacements = Dictionary(other.rules.map { ($0.id, $0) }, uniquingKeysWith: { _, last in last })
        let existing = Set(rules.map(\.id))
        let added = other.rules.filter { !existing.contains($0.id) }
        let kept = rules.map { replacements[$0.id] ?? $0 }
        return RuleSet(rules: added + kept, registry: registry)
    }

    // MARK: - Loading

    static var keys: [String] { ["id", "verdict", "title", "class", "confidence", "services", "when"] }

    public static func load(yaml: String, file: String, registry: FieldRegistry<Record>) throws(RuleError) -> RuleSet {
        let list = try YAMLDiagnostics.topLevelList(yaml, file: file, key: "rules", noun: "rules")
        var rules: [Rule<Record>] = []
        var seen: [String: Int] = [:]
        for item in list {
            let rule = try loadRule(item, file: file, yaml: yaml, registry: registry)
            if let first = seen[rule.id] {
                throw error(file, item.mapping?["id"] ?? item, "duplicate rule id '\(rule.id)' (first defined at line \(first))")
            }
            seen[rule.id] = rule.line
            rules.append(rule)
        }
        return RuleSet(rules: rules, registry: registry)
    }

    private static func loadRule(_ node: Node, file: String, yaml: String, registry: FieldRegistry<Record>) throws(RuleError) -> Rule<Record> {
        guard case .mapping(let m) = node else { throw error(file, node, "expected a rule (a mapping with id, title, class, confidence, when)") }
        for (key, _) in m {
            guard let name = key.string, keys.contains(name) else {
                throw YAMLDiagnostics.unknownKey(file, key, known: keys, context: "")
            }
        }
        func scalar(_ key: String) throws(RuleError) -> (String, Node) {
            guard let value = m[key] else { throw error(file, node, "rule is missing '\(key)'") }
            guard case .scalar(let s) = value else { throw error(file, value, "'\(key)' must be a single value") }
            return (s.string, value)
        }
        let (id, idNode) = try scalar("id")
        guard isKebabCase(id) else {
            throw error(file, idNode, "rule id '\(id)' is not kebab-case (lower-case letters and digits joined by '-')")
        }
        // The verdict a rule reports (a taxonomy id); several rules may report the same one. Defaults to the id.
        var verdict = id
        if let value = m["verdict"] {
            guard case .scalar(let v) = value else { throw error(file, value, "'verdict' must be a single value") }
            guard isKebabCase(v.string) else {
                throw error(file, value, "verdict '\(v.string)' is not kebab-case (lower-case letters and digits joined by '-')")
            }
            verdict = v.string
        }
        let (title, _) = try scalar("title")
        let (classText, classNode) = try scalar("class")
        guard let verdictClass = VerdictClass(rawValue: classText) else {
            throw error(file, classNode, "unknown class '\(classText)' (expected blocked, throttled, benign or inconclusive)")
        }
        let (confidenceText, confidenceNode) = try scalar("confidence")
        guard let confidence = Confidence(rawValue: confidenceText) else {
            throw error(file, confidenceNode, "unknown confidence '\(confidenceText)' (expected low, medium or high)")
        }
        var services: [String]?
        if let value = m["services"] {
            guard case .sequence(let s) = value else { throw error(file, value, "'services' must be a list of service names") }
            var names: [String] = []
            for element in s {
                guard case .scalar(let name) = element else { throw error(file, element, "'services' must be a list of service names") }
                names.append(name.string)
            }
            services = names
        }
        let (when, whenNode) = try scalar("when")
        let condition: CompiledExpression<Record>
        do {
            condition = try CompiledExpression.compile(when, registry: registry)
        } catch let e {
            let (line, column) = place(e.position, in: whenNode, yaml: yaml)
            throw RuleError(file: file, line: line, column: column, message: e.message)
        }
        guard condition.type == .boolean else {
            let (line, column) = place(SourcePosition(line: 1, column: 1), in: whenNode, yaml: yaml)
            throw RuleError(file: file, line: line, column: column, message: "'when' must be a condition (boolean), found a \(condition.type)")
        }
        return Rule(
            id: id, verdict: verdict, title: title, verdictClass: verdictClass, confidence: confidence, services: services,
            condition: condition, file: file, line: node.mark?.line ?? 1)
    }

    // MARK: - Positions

    private static func error(_ file: String, _ node: Node, _ message: String) -> RuleError {
        YAMLDiagnostics.error(file, node, message)
    }

    /// Maps a position inside a `when` string to the YAML file: same line for a one-line scalar (after its opening
    /// quote if quoted); for a literal block (`|`), the n-th non-empty content line, after the block's indentation.
    /// Folded (`>`) and multi-line plain scalars join lines, so their positions are approximate (right line for
    /// the first line and for lines separated by blank lines).
    private static func place(_ position: SourcePosition, in node: Node, yaml: String) -> (Int, Int) {
        guard let mark = node.mark else { return (position.line, position.column) }
        guard case .scalar(let s) = node else { return (mark.line, mark.column) }
        switch s.style {
        case .literal, .folded:
            // Content starts on the line after the `|` or `>` indicator, at the indentation of its first line.
            let lines = yaml.split(separator: "\n", omittingEmptySubsequences: false)
            let isBlank: (Substring) -> Bool = { $0.allSatisfy { $0 == " " } }
            var line = mark.line
            var remaining = position.line
            var indent: Int?
            while remaining > 0, line < lines.count {
                line += 1
                guard !isBlank(lines[line - 1]) else { continue }
                if indent == nil { indent = lines[line - 1].prefix { $0 == " " }.count }
                remaining -= 1
            }
            return (line, (indent ?? 0) + position.column)
        default:
            let quote = s.style == .singleQuoted || s.style == .doubleQuoted ? 1 : 0
            if position.line == 1 { return (mark.line, mark.column + quote + position.column - 1) }
            return (mark.line + position.line - 1, position.column)
        }
    }
}

func isKebabCase(_ id: String) -> Bool {
    let parts = id.split(separator: "-", omittingEmptySubsequences: false)
    return parts.allSatisfy { part in
        !part.isEmpty && part.allSatisfy { ($0 >= "a" && $0 <= "z") || ($0 >= "0" && $0 <= "9") }
    }
}

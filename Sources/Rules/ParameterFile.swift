import Yams

/// A flat YAML mapping of named numbers, written as rule literals with their units (`min_span: 2min`,
/// `attempt_gap: 10s`, `min_flows: 3`): the assessment's thresholds are data, like the rules' numbers.
///
/// Every key must be one the caller expects, with a literal of the expected type (a duration needs a duration
/// unit, a count none); errors name the file, line and column, as rule-file errors do.
public enum ParameterFile {
    /// Loads `yaml` (a mapping, optionally under the top-level key `section`) into values in base units (seconds,
    /// bytes, plain numbers). Keys left out are absent from the result (the caller keeps its default).
    public static func load(yaml: String, file: String, section: String, expected: [String: ValueType])
        throws(RuleError) -> [String: Parameter]
    {
        // A YAML syntax error names its line and column, as in rule and services files.
        guard let root = try YAMLDiagnostics.compose(yaml, file: file) else { return [:] }
        guard var mapping = root.mapping else { throw YAMLDiagnostics.error(file, root, "expected a mapping of parameters") }
        if let inner = mapping[section] {
            guard let innerMapping = inner.mapping else { throw YAMLDiagnostics.error(file, inner, "'\(section)' must be a mapping") }
            for (key, _) in mapping where key.string != section {
                throw YAMLDiagnostics.error(file, key, "unknown key '\(key.string ?? "?")' at the top level (expected '\(section)')")
            }
            mapping = innerMapping
        }
        var values: [String: Parameter] = [:]
        for (key, node) in mapping {
            guard let name = key.string, let type = expected[name] else {
                let known = expected.keys.sorted().joined(separator: ", ")
                throw YAMLDiagnostics.error(file, key, "unknown parameter '\(key.string ?? "?")' (expected one of: \(known))")
            }
            guard let text = node.scalar?.string else { throw YAMLDiagnostics.error(file, node, "'\(name)' must be a number") }
            let tokens: [Token]
            do {
                tokens = try Lexer.tokenize(text)
            } catch {
                throw YAMLDiagnostics.error(file, node, "'\(name)': \(error.message)")
            }
            guard tokens.count == 2, case .number(let number, let literalType) = tokens[0].kind, number >= 0 else {
                throw YAMLDiagnostics.error(file, node, "'\(name)' must be a non-negative \(type) literal, not '\(text)'")
            }
            guard literalType == type else {
                let hint = type == .duration ? " (write a unit: 10s, 2min)" : type == .size ? " (write a unit: 16KiB)" : ""
                throw YAMLDiagnostics.error(file, node, "'\(name)' must be a \(type), not a \(literalType)\(hint)")
            }
            values[name] = Parameter(value: number, line: node.mark?.line ?? 1, column: node.mark?.column ?? 1)
        }
        return values
    }

    /// A value in base units and where it was written (for the caller's own range checks).
    public struct Parameter: Sendable, Equatable {
        public var value: Double
        public var line: Int
        public var column: Int
    }
}

import Rules
import Testing

/// Every message the rule-file loader can give, exactly, with line and column in the YAML file.
@Suite("Rule files: every error message")
struct RuleFileErrorTests {
    static let good = "  title: T\n  class: blocked\n  confidence: high\n"

    @Test(
        "Structure errors",
        arguments: [
            ("", "rules.yaml:1:1: empty rules file (expected a list of rules)"),
            ("# only a comment\n", "rules.yaml:1:1: empty rules file (expected a list of rules)"),
            ("42", "rules.yaml:1:1: expected a list of rules or a 'rules' key"),
            ("rulez: []", "rules.yaml:1:1: unknown key 'rulez' at the top level (did you mean 'rules'?); expected one of rules"),
            ("other: 1\nrules: []", "rules.yaml:1:1: unknown key 'other' at the top level; expected one of rules"),
            ("rules: 3", "rules.yaml:1:8: 'rules' must be a list of rules"),
            ("{}", "rules.yaml:1:1: expected a list of rules or a 'rules' key"),
            ("- 3", "rules.yaml:1:3: expected a rule (a mapping with id, title, class, confidence, when)"),
            ("- id: a\n" + good, "rules.yaml:1:3: rule is missing 'when'"),
            ("- title: T\n  class: blocked\n  confidence: high\n  when: \"true\"", "rules.yaml:1:3: rule is missing 'id'"),
            ("- id: a\n" + good + "  wehn: \"true\"",
             "rules.yaml:5:3: unknown key 'wehn' (did you mean 'when'?); expected one of id, verdict, title, class, confidence, services, when"),
            ("- id: a\n" + good + "  zzz: 1",
             "rules.yaml:5:3: unknown key 'zzz'; expected one of id, verdict, title, class, confidence, services, when"),
            ("- id: [a]\n" + good + "  when: \"true\"", "rules.yaml:1:7: 'id' must be a single value"),
            ("- id: Bad_ID\n" + good + "  when: \"true\"",
             "rules.yaml:1:7: rule id 'Bad_ID' is not kebab-case (lower-case letters and digits joined by '-')"),
            ("- id: a--b\n" + good + "  when: \"true\"",
             "rules.yaml:1:7: rule id 'a--b' is not kebab-case (lower-case letters and digits joined by '-')"),
            ("- id: a\n  title: T\n  class: blockd\n  confidence: high\n  when: \"true\"",
             "rules.yaml:3:10: unknown class 'blockd' (expected blocked, throttled, benign or inconclusive)"),
            ("- id: a\n  title: T\n  class: blocked\n  confidence: 0.9\n  when: \"true\"",
             "rules.yaml:4:15: unknown confidence '0.9' (expected low, medium or high)"),
            ("- id: a\n" + good + "  services: FaceTime\n  when: \"true\"",
             "rules.yaml:5:13: 'services' must be a list of service names"),
            ("- id: a\n" + good + "  services: [[x]]\n  when: \"true\"",
             "rules.yaml:5:14: 'services' must be a list of service names"),
            ("- id: a\n" + good + "  when: \"true\"\n- id: a\n" + good + "  when: \"false\"",
             "rules.yaml:6:7: duplicate rule id 'a' (first defined at line 1)"),
            ("- id: a\n" + good + "  when: rtt",
             "rules.yaml:5:9: 'when' must be a condition (boolean), found a duration"),
        ])
    func structure(_ yaml: String, _ expected: String) {
        #expect(loadError(yaml) == expected)
    }

    @Test(
        "Expression errors point into the file",
        arguments: [
            // Plain scalar: the expression starts at the value's column.
            ("- id: a\n" + good + "  when: silence_rsp > max(3s, 10 * rtt)",
             "rules.yaml:5:9: unknown field 'silence_rsp' (did you mean 'silence_resp'?)"),
            ("- id: a\n" + good + "  when: silence_resp > 3 sec",
             "rules.yaml:5:26: unexpected 'sec' after a number (write units without a space, e.g. 3s)"),
            // Quoted scalar: one more column for the quote.
            ("- id: a\n" + good + "  when: \"rtt > 3\"", "rules.yaml:5:14: type mismatch: cannot apply '>' to duration and number"),
            ("- id: a\n" + good + "  when: 'sni == \"x'", "rules.yaml:5:17: unterminated string"),
            // Block scalar: the line inside the block, at its indentation.
            ("- id: a\n" + good + "  when: |\n    established\n      and rtt > 16KB\n",
             "rules.yaml:7:15: type mismatch: cannot apply '>' to duration and size"),
            ("- id: a\n" + good + "  when: >\n    established and\n\n    bogus\n",
             "rules.yaml:8:5: unknown field 'bogus'"),
            ("rules:\n  - id: a\n    title: T\n    class: blocked\n    confidence: high\n    when: maxx(rtt, 1s) > 2s",
             "rules.yaml:6:11: unknown function 'maxx' (did you mean 'max'?)"),
        ])
    func expressions(_ yaml: String, _ expected: String) {
        #expect(loadError(yaml) == expected)
    }

    @Test(
        "YAML syntax errors carry Yams' position",
        arguments: [
            ("- id: a\n  title: [unclosed\n", "rules.yaml:3:1: invalid YAML: did not find expected ',' or ']' (while parsing a flow sequence at 2:10)"),
            ("- id: \"a\n", "rules.yaml:2:1: invalid YAML: found unexpected end of stream (while scanning a quoted scalar at 1:7)"),
            ("- id: a\n\tbad: tab", "rules.yaml:2:1: invalid YAML: found a tab character that violates indentation (while scanning a plain scalar at 1:7)"),
            ("a: 1\na: 2", "rules.yaml:1:1: invalid YAML: duplicate key 'a'"),
            ("- *nope", "rules.yaml:1:3: invalid YAML: found undefined alias"),
        ])
    func yamlSyntax(_ yaml: String, _ expected: String) {
        #expect(loadError(yaml) == expected)
    }

    @Test("10,000-deep YAML is refused by libyaml's nesting limit, never a crash")
    func deepYAML() {
        let flow = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        #expect(loadError(flow)?.hasPrefix("rules.yaml:1:1: invalid YAML: Maximum nesting level reached") == true)
        let block = (0..<10_000).map { String(repeating: " ", count: $0) + "- " }.joined(separator: "\n") + "x"
        #expect(loadError(block)?.hasPrefix("rules.yaml:1000:1000: invalid YAML: Maximum nesting level reached") == true)
    }
}

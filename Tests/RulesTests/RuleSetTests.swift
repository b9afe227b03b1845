import Rules
import Testing
import WireFormat

private let defaults = """
    # Blocking patterns first, benign last; the catch-all makes sure every flow gets a verdict.
    rules:
      - id: tcp-freeze
        title: Server data stops after ~16 KiB
        class: blocked
        confidence: high
        when: resp_bytes >= 8KiB and resp_bytes <= 32KiB and silence_resp > max(3s, 10 * rtt)
      - id: facetime-relay-unanswered
        title: FaceTime relay unanswered
        class: blocked
        confidence: medium
        services: [FaceTime]
        when: resp_h in 17.0.0.0/8 and orig_pkts >= 4
      - id: completed
        title: Completed normally
        class: benign
        confidence: high
        when: |
          established
            and teardown.resp.rsts == 0
      - id: unclassified
        title: Nothing matched
        class: inconclusive
        confidence: low
        when: true
    """

@Suite("Rule files: loading and first-match evaluation")
struct RuleSetTests {
    @Test("Loads a {rules: [...]} mapping with every key")
    func load() throws {
        let set = try RuleSet.load(yaml: defaults, file: "defaults.yaml", registry: Sample.registry)
        #expect(set.rules.map(\.id) == ["tcp-freeze", "facetime-relay-unanswered", "completed", "unclassified"])
        let freeze = set.rules[0]
        #expect(freeze.title == "Server data stops after ~16 KiB")
        #expect(freeze.verdictClass == .blocked)
        #expect(freeze.confidence == .high)
        #expect(freeze.services == nil)
        #expect(freeze.when == "resp_bytes >= 8KiB and resp_bytes <= 32KiB and silence_resp > max(3s, 10 * rtt)")
        #expect(freeze.file == "defaults.yaml")
        #expect(freeze.line == 3)
        #expect(set.rules[1].services == ["FaceTime"])
        #expect(set.rules[2].when == "established\n  and teardown.resp.rsts == 0\n")
        #expect(set.rules[3].verdictClass == .inconclusive)
    }

    @Test("Loads a top-level list")
    func topLevelList() throws {
        let yaml = """
            - {id: a, title: A, class: benign, confidence: low, when: "true"}
            - {id: b-2, title: B, class: throttled, confidence: medium, when: resp_bytes / duration < 200kbit/s}
            """
        let set = try RuleSet.load(yaml: yaml, file: "f.yaml", registry: Sample.registry)
        #expect(set.rules.map(\.id) == ["a", "b-2"])
        #expect(set.rules[1].verdictClass == .throttled)
    }

    @Test("First matching rule wins, with the facts it read")
    func firstMatch() throws {
        let set = try RuleSet.load(yaml: defaults, file: "defaults.yaml", registry: Sample.registry)
        let frozen = Sample(rtt: 0.05, silenceResp: 4, respBytes: 16_384)
        let match = try #require(set.evaluate(frozen, service: nil))
        #expect(match.ruleID == "tcp-freeze")
        #expect(match.title == "Server data stops after ~16 KiB")
        #expect(match.verdictClass == .blocked)
        #expect(match.confidence == .high)
        #expect(match.facts.map(\.field) == ["resp_bytes", "silence_resp", "rtt"])
        #expect(match.facts.map(\.value) == [.number(16_384), .number(4), .number(0.05)])
        // Not frozen: falls through to completed (FaceTime rule is scoped to FaceTime).
        let normal = Sample(silenceResp: 0.1, respBytes: 1_000_000)
        #expect(set.evaluate(normal, service: nil)?.ruleID == "completed")
        #expect(set.evaluate(normal, service: "WhatsApp")?.ruleID == "completed")
        // Every flow gets a verdict thanks to the catch-all.
        let odd = Sample(silenceResp: 0.1, respBytes: 1_000_000, teardownResponderRSTs: 2)
        #expect(set.evaluate(odd, service: nil)?.ruleID == "unclassified")
        #expect(set.evaluate(odd, service: nil)?.facts.isEmpty == true)
    }

    @Test("Services scope a rule: absent means every flow, present means only those services")
    func services() throws {
        let set = try RuleSet.load(yaml: defaults, file: "defaults.yaml", registry: Sample.registry)
        let relay = Sample(silenceResp: 0.1, respBytes: 0, established: false)
        #expect(set.evaluate(relay, service: "FaceTime")?.ruleID == "facetime-relay-unanswered")
        #expect(set.evaluate(relay, service: "Telegram")?.ruleID == "unclassified")
        #expect(set.evaluate(relay, service: nil)?.ruleID == "unclassified")
    }

    @Test("No match gives nil when there is no catch-all")
    func noMatch() throws {
        let set = try RuleSet.load(
            yaml: "- {id: x, title: X, class: blocked, confidence: low, when: \"false\"}", file: "f", registry: Sample.registry)
        #expect(set.evaluate(Sample(), service: nil) == nil)
    }

    @Test("Appending: same id replaces in place, new rules are tried first")
    func appending() throws {
        let base = try RuleSet.load(yaml: defaults, file: "defaults.yaml", registry: Sample.registry)
        let user = try RuleSet.load(
            yaml: """
                - id: completed
                  title: Completed (stricter)
                  class: benign
                  confidence: medium
                  when: established and orig_pkts > 100
                - id: my-sni-reset
                  title: Reset for my name
                  class: blocked
                  confidence: high
                  when: sni matches "*.example.org" and teardown.resp.rsts > 0
                """, file: "user.yaml", registry: Sample.registry)
        let merged = base.appending(user)
        #expect(merged.rules.map(\.id) == ["my-sni-reset", "tcp-freeze", "facetime-relay-unanswered", "completed", "unclassified"])
        #expect(merged.rules[3].title == "Completed (stricter)")
        #expect(merged.rules[3].file == "user.yaml")
        let reset = Sample(silenceResp: 0.1, respBytes: 1_000_000, teardownResponderRSTs: 1, serverName: "www.EXAMPLE.org")
        #expect(merged.evaluate(reset, service: nil)?.ruleID == "my-sni-reset")
        #expect(merged.evaluate(Sample(silenceResp: 0.1, respBytes: 1_000_000), service: nil)?.ruleID == "unclassified")
        #expect(base.rules.count == 4)  // the base is unchanged
    }

    @Test("Loading twice gives the same rules and verdicts")
    func deterministic() throws {
        let a = try RuleSet.load(yaml: defaults, file: "d", registry: Sample.registry)
        let b = try RuleSet.load(yaml: defaults, file: "d", registry: Sample.registry)
        #expect(a.rules.map(\.id) == b.rules.map(\.id))
        #expect(a.rules.map(\.when) == b.rules.map(\.when))
        for sample in [Sample(), Sample(silenceResp: 0.1), Sample(rtt: nil, established: false)] {
            #expect(a.evaluate(sample, service: "FaceTime")?.ruleID == b.evaluate(sample, service: "FaceTime")?.ruleID)
        }
    }

    @Test("The registry lists its fields in order, with types and documentation")
    func registryFields() {
        let fields = Sample.registry.fields
        #expect(fields.count == 12)
        #expect(fields[0].name == "rtt")
        #expect(fields[0].type == .duration)
        #expect(fields[0].documentation == "Handshake round-trip time.")
        var registry = Sample.registry
        registry.add("rtt", .number, "Replaced.") { _ in .null }
        #expect(registry.fields.count == 12)
        #expect(registry.fields[0].type == .number)
    }
}

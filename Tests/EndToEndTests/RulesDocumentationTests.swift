import Blockscope
import Foundation
import Rules
import TestSupport
import Testing

/// docs/RULES.md documents every field rules can read, and the built-in rules load.
@Suite("Rules documentation")
struct RulesDocumentationTests {
    @Test func everyFieldIsDocumented() throws {
        let doc = try String(contentsOf: Lab.packageRoot.appendingPathComponent("docs/RULES.md"), encoding: .utf8)
        for field in Classifier.registry.fields {
            #expect(doc.contains("| `\(field.name)` |"), "docs/RULES.md does not document the field \(field.name)")
        }
    }

    @Test func theBuiltInRulesLoadAndCoverTheTaxonomy() throws {
        let classifier = try Classifier()
        let verdicts = Set(classifier.rules.rules.map(\.verdict))
        // DESIGN.md's taxonomy: every blocking id and every benign id has a rule.
        for id in [
            "tcp-syn-timeout", "tcp-syn-rst-injected", "tls-hello-rst", "tls-hello-timeout", "tls-hello-fin", "tcp-freeze",
            "tcp-midstream-rst", "throttled-policer", "quic-initial-timeout", "stun-unanswered", "udp-media-cutoff",
            "udp-unanswered", "completed", "tcp-refused", "server-silent", "lossy-but-completed", "client-abort",
            "capture-truncated", "unclassified",
        ] {
            #expect(verdicts.contains(id), "no built-in rule reports \(id)")
        }
        #expect(classifier.rules.rules.last?.when == "true", "the last rule must match everything")
    }

    @Test func aUserRuleFileExtendsTheDefaultsAndBadFilesSayWhere() throws {
        let extra = try Classifier.load(yaml: """
            - id: facetime-relay-silent
              verdict: udp-unanswered
              title: FaceTime relay port silent
              class: blocked
              confidence: low
              when: proto == "udp" and resp_p >= 3478 and resp_p <= 3497 and resp_pkts == 0 and orig_pkts >= 2
            """, file: "mine.yaml")
        let classifier = try Classifier(extra: extra)
        #expect(classifier.rules.rules.first?.id == "facetime-relay-silent")
        #expect(throws: RuleError.self) {
            _ = try Classifier.load(yaml: "- id: x\n  title: t\n  class: blocked\n  confidence: low\n  when: silence_resp > 3s\n", file: "bad.yaml")
        }
        do {
            _ = try Classifier.load(yaml: "- id: x\n  title: t\n  class: blocked\n  confidence: low\n  when: silence_after_rsp > 3s\n", file: "bad.yaml")
        } catch {
            #expect(error.description.hasPrefix("bad.yaml:5:9: unknown field 'silence_after_rsp'"), "\(error.description)")
            #expect(error.description.contains("did you mean 'silence_after_resp'"))
        }
    }

    @Test func rulesSubcommands() throws {
        let show = try CLI.run(["rules", "show"])
        #expect(show.status == 0)
        #expect(show.standardOutput.contains("id: tls-hello-rst"))
        let fields = try CLI.run(["rules", "fields"])
        #expect(fields.lines.count == Classifier.registry.fields.count)
        let path = Lab.temporaryPath(".yaml")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try "- id: x\n  title: t\n  class: blockd\n  confidence: low\n  when: true\n".write(toFile: path, atomically: true, encoding: .utf8)
        let bad = try CLI.run(["rules", "check", path])
        #expect(bad.status == 2)
        #expect(bad.standardError.contains("\(path):3:10: unknown class 'blockd'"), "\(bad.standardError)")
        let analyze = try CLI.run(["analyze", "--rules", path, "Captures/loopback-facetime-tls.pcap"])
        #expect(analyze.status == 2)
        #expect(analyze.standardOutput.isEmpty)
        try "- id: x\n  title: t\n  class: blocked\n  confidence: low\n  when: true\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(try CLI.run(["rules", "check", path]).status == 0)
        // A user rule that flags everything: exit status 3.
        #expect(try CLI.run(["analyze", "--quiet", "--rules", path, "Captures/loopback-facetime-tls.pcap"]).status == 3)
    }
}

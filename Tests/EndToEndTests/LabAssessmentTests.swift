import Foundation
import TestSupport
import Testing

/// Blockscope's assessments of every committed capture equal the truth file's `assessments`, which
/// `Captures/lab/assess.py` derives independently from the lab's per-flow expectations and the documented rule
/// (docs/OUTPUT.md, "The rules of evidence"): same groups, conclusions, classes, levels and kinds of control.
@Suite("Assessments vs the lab's truth")
struct LabAssessmentTests {
    struct Truth: Decodable {
        struct Assessment: Decodable, Hashable {
            var scope: String
            var service: String?
            var destination: String?
            var conclusion: String
            var `class`: String
            var confidence: String
            var controls: [String]
        }
        var assessments: [Assessment]?
    }

    static var captures: [String] {
        let folder = Lab.packageRoot.appendingPathComponent("Captures")
        return ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? [])
            .filter { $0.hasSuffix(".truth.json") }.map { String($0.dropLast(".truth.json".count)) }.sorted()
    }

    @Test(arguments: captures)
    func assessmentsMatchTheTruth(_ scenario: String) throws {
        let folder = Lab.packageRoot.appendingPathComponent("Captures")
        let truth = try JSONDecoder().decode(Truth.self, from: Data(contentsOf: folder.appendingPathComponent("\(scenario).truth.json")))
        let expected = try #require(truth.assessments, "\(scenario).truth.json has no assessments: run Captures/lab/assess.py")
        let result = try CLI.run([
            "analyze", "--json", "--quiet", "--services", "Captures/lab/lab-services.yaml", "Captures/\(scenario).pcap",
        ])
        #expect([0, 3, 4].contains(result.status), "\(result.standardError)")
        let got = try CLI.objects(result.standardOutput).filter { $0["type"] as? String == "assessment" }.map { object in
            Truth.Assessment(
                scope: object["scope"] as? String ?? "?", service: object["service"] as? String,
                destination: object["destination"] as? String, conclusion: object["conclusion"] as? String ?? "?",
                class: object["class"] as? String ?? "?", confidence: object["confidence"] as? String ?? "?",
                controls: (object["controls"] as? [[String: Any]] ?? []).compactMap { $0["kind"] as? String })
        }
        #expect(Set(got) == Set(expected), "\(scenario): Blockscope \(got), truth \(expected)")
        #expect(got.count == expected.count)
        // The exit status follows the assessments: 3 when one concludes blocking or throttling.
        let blocking = expected.contains { $0.class == "blocked" || $0.class == "throttled" }
        if blocking { #expect(result.status == 3) } else { #expect(result.status != 3) }
    }

    @Test func theLabShowsEveryKindOfConclusion() throws {
        let folder = Lab.packageRoot.appendingPathComponent("Captures")
        var conclusions = Set<String>()
        for scenario in Self.captures {
            let truth = try JSONDecoder().decode(Truth.self, from: Data(contentsOf: folder.appendingPathComponent("\(scenario).truth.json")))
            for assessment in truth.assessments ?? [] { conclusions.insert(assessment.conclusion) }
        }
        #expect(conclusions.isSuperset(of: ["facetime-setup-blocked", "not-blocked", "inconclusive", "tls-hello-rst"]))
    }
}

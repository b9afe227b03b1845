import ArgumentParser
import Blockscope
import Foundation

/// `--assessment FILE`: thresholds of the assessment's rules of evidence, overriding the built-in ones.
struct AssessmentOption: ParsableArguments {
    @Option(name: .long, help: "A YAML file of assessment thresholds (min_flows, likely_attempts, likely_span, ...; see docs/OUTPUT.md).")
    var assessment: String?

    /// The parameters for this run; errors name the file, line and column.
    func parameters() throws -> AssessmentParameters {
        guard let assessment else { return try AssessmentParameters.builtIn() }
        let text: String
        do {
            text = try String(contentsOfFile: assessment, encoding: .utf8)
        } catch {
            throw Failure.usage("\(assessment): cannot read the assessment file: \(error.localizedDescription)")
        }
        do {
            return try AssessmentParameters.load(yaml: text, file: assessment)
        } catch {
            throw Failure.usage(error.description)
        }
    }
}

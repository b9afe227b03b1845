import ArgumentParser
import Blockscope
import Foundation
import Rules

/// `--rules FILE`: rules that extend the built-in set (a rule with a built-in rule's id replaces it).
struct RulesOption: ParsableArguments {
    @Option(name: .long, help: "A rules file (YAML) extending the built-in rules; `blockscope rules show` prints those.")
    var rules: String?

    /// The classifier for this run; errors name the file, line and column.
    func classifier() throws -> Classifier {
        guard let rules else { return try Classifier() }
        let text: String
        do {
            text = try String(contentsOfFile: rules, encoding: .utf8)
        } catch {
            throw Failure.usage("\(rules): cannot read the rules file: \(error.localizedDescription)")
        }
        do {
            return try Classifier(extra: Classifier.load(yaml: text, file: rules))
        } catch {
            throw Failure.usage(error.description)
        }
    }
}

import ArgumentParser
import Blockscope
import Foundation
import Rules

/// `--rules FILE`: rules that extend the built-in set (a rule with a built-in rule's id replaces it);
/// `--services FILE`: services tried before the built-in catalogue.
struct RulesOption: ParsableArguments {
    @Option(name: .long, help: "A rules file (YAML) extending the built-in rules; `blockscope rules show` prints those.")
    var rules: String?

    @Option(
        name: .long,
        help: "A services file (YAML) tried before the built-in catalogue; `blockscope services show` prints that.")
    var services: String?

    /// The classifier for this run; errors name the file, line and column.
    func classifier() throws -> Classifier {
        do {
            let extraRules = try rules.map { (file) throws in try Classifier.load(yaml: Self.read(file, "rules"), file: file) }
            let extraServices = try services.map { (file) throws in
                try ServiceCatalogue.load(yaml: Self.read(file, "services"), file: file)
            }
            return try Classifier(extra: extraRules, extraServices: extraServices)
        } catch let error as RuleError {
            throw Failure.usage(error.description)
        }
    }

    private static func read(_ file: String, _ kind: String) throws -> String {
        do {
            return try String(contentsOfFile: file, encoding: .utf8)
        } catch {
            throw Failure.usage("\(file): cannot read the \(kind) file: \(error.localizedDescription)")
        }
    }
}

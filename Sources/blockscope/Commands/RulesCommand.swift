import ArgumentParser
import Blockscope
import Foundation
import Rules

/// `blockscope rules show | check FILE | fields`.
struct RulesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rules",
        abstract: "Show the built-in rules, check a rules file, or list the fields rules can read.",
        subcommands: [Show.self, Check.self, Fields.self]
    )

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the built-in rules (YAML).")
        func run() { Terminal.standardOutput.write(DefaultRules.yaml) }
    }

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check a rules file: exit 0 when it loads, 2 with file:line:column and the problem otherwise.")

        @Argument(help: "The rules file (YAML).")
        var file: String

        func run() throws {
            do {
                let classifier = try RulesOption(rules: file).classifier()
                Terminal.standardOutput.write("\(file): OK, \(classifier.rules.rules.count) rules in effect with the built-in ones\n")
            } catch {
                throw Failure.exit(error)
            }
        }
    }

    struct Fields: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the flow-record fields rules can read.")
        func run() {
            var text = ""
            for field in Classifier.registry.fields {
                text += Format.padded(field.name, 28) + Format.padded("\(field.type)", 11) + field.documentation + "\n"
            }
            Terminal.standardOutput.write(text)
        }
    }
}

extension RulesOption {
    /// For subcommands that take the files as arguments: every property must be set (ArgumentParser).
    init(rules: String?, services: String? = nil) {
        self.init()
        self.rules = rules
        self.services = services
    }
}

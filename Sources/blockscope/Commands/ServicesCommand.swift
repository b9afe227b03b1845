import ArgumentParser
import Blockscope
import Foundation
import Rules

/// `blockscope services show | check FILE | list`.
struct ServicesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "services",
        abstract: "Show the built-in service catalogue, list its services, or check a services file.",
        subcommands: [Show.self, Check.self, List.self]
    )

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the built-in service catalogue (YAML).")
        func run() { Terminal.standardOutput.write(DefaultServices.yaml) }
    }

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check a services file: exit 0 when it loads, 2 with file:line:column and the problem otherwise.")

        @Argument(help: "The services file (YAML).")
        var file: String

        func run() throws {
            do {
                let option = RulesOption(rules: nil, services: file)
                let catalogue = try option.classifier().services
                let added = catalogue.services.count - (try Classifier().services.services.count)
                Terminal.standardOutput.write(
                    "\(file): OK, \(added) service(s) with \(catalogue.services.prefix(added).map(\.matchers.count).reduce(0, +)) "
                        + "matcher(s), tried before the \(catalogue.services.count - added) built-in ones\n")
            } catch {
                throw Failure.exit(error)
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the services (with --services FILE: yours first).")

        @Option(name: .long, help: "A services file (YAML) tried before the built-in catalogue.")
        var services: String?

        func run() throws {
            let option = RulesOption(rules: nil, services: services)
            let catalogue: ServiceCatalogue
            do { catalogue = try option.classifier().services } catch { throw Failure.exit(error) }
            var text = ""
            for service in catalogue.services {
                let roles = Array(Set(service.matchers.compactMap(\.role))).sorted().joined(separator: ", ")
                text += Format.padded(service.name, 14) + Format.padded(roles.isEmpty ? "-" : roles, 34)
                    + "\(service.matchers.count) matcher(s)  \(service.file):\(service.line)\n"
            }
            Terminal.standardOutput.write(text)
        }
    }
}

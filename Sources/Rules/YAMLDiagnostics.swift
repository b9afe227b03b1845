import Yams

/// Turns YAML problems into `RuleError`s with the file, line and column (for rule and service files alike).
enum YAMLDiagnostics {
    /// The document's root node; a YAML syntax error becomes a positioned `RuleError`.
    static func compose(_ yaml: String, file: String) throws(RuleError) -> Node? {
        do {
            return try Yams.compose(yaml: yaml)
        } catch let error as YamlError {
            throw Self.error(error, file: file)
        } catch {
            throw RuleError(file: file, line: 1, column: 1, message: "invalid YAML: \(error)")
        }
    }

    /// The list a rules or services file holds: the document itself, or the value of its one key `key`.
    static func topLevelList(_ yaml: String, file: String, key: String, noun: String) throws(RuleError) -> Node.Sequence {
        guard let root = try compose(yaml, file: file) else {
            throw RuleError(file: file, line: 1, column: 1, message: "empty \(noun) file (expected a list of \(noun))")
        }
        switch root {
        case .sequence(let list):
            return list
        case .mapping(let m):
            for (other, _) in m where other.string != key {
                throw unknownKey(file, other, known: [key], context: " at the top level")
            }
            guard let value = m[key] else { throw error(file, root, "expected a list of \(noun) or a '\(key)' key") }
            guard case .sequence(let list) = value else { throw error(file, value, "'\(key)' must be a list of \(noun)") }
            return list
        default:
            throw error(file, root, "expected a list of \(noun) or a '\(key)' key")
        }
    }

    static func error(_ file: String, _ node: Node, _ message: String) -> RuleError {
        RuleError(file: file, line: node.mark?.line ?? 1, column: node.mark?.column ?? 1, message: message)
    }

    static func error(_ error: YamlError, file: String) -> RuleError {
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            let detail = context.map { " (\($0.text) at \($0.mark.line):\($0.mark.column))" } ?? ""
            return RuleError(file: file, line: mark.line, column: mark.column, message: "invalid YAML: \(problem)\(detail)")
        case .duplicatedKeysInMapping(let duplicates, let context):
            return RuleError(
                file: file, line: context.mark.line, column: context.mark.column,
                message: "invalid YAML: duplicate key \(duplicates.sorted().map { "'\($0)'" }.joined(separator: ", "))")
        case .reader(let problem, let offset, _, _):
            return RuleError(file: file, line: 1, column: 1, message: "invalid YAML: \(problem) at byte \(offset ?? 0)")
        default:
            return RuleError(file: file, line: 1, column: 1, message: "invalid YAML: \(error)")
        }
    }

    /// An unknown key, with the nearest known one as a suggestion.
    static func unknownKey(_ file: String, _ key: Node, known: [String], context: String) -> RuleError {
        let name = key.string ?? "?"
        let hint = nearest(name, among: known).map { " (did you mean '\($0)'?)" } ?? ""
        return error(file, key, "unknown key '\(name)'\(context)\(hint); expected one of \(known.joined(separator: ", "))")
    }
}

extension Node {
    var mapping: Node.Mapping? {
        if case .mapping(let m) = self { return m }
        return nil
    }
}

/// A rule or expression that cannot be loaded: where (file, 1-based line and column) and what was expected.
///
/// `description` reads like a compiler diagnostic: `rules.yaml:12:17: unknown field 'silence_rsp' (did you mean
/// 'silence_resp'?)`.
public struct RuleError: Error, CustomStringConvertible, Hashable, Sendable {
    public var file: String
    public var line: Int
    public var column: Int
    public var message: String

    public init(file: String, line: Int, column: Int, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.message = message
    }

    public var description: String { "\(file):\(line):\(column): \(message)" }
}

/// A position inside an expression's text (1-based).
struct SourcePosition: Hashable, Sendable {
    var line: Int
    var column: Int
}

/// An error inside an expression, before it is placed in its file.
struct ExpressionError: Error {
    var position: SourcePosition
    var message: String
}

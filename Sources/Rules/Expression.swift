import WireFormat

/// The syntax tree of an expression, as parsed (before type checking).
indirect enum Expression: Sendable {
    case number(Double, ValueType)
    case string(String)
    case boolean(Bool)
    case null
    case address(IPAddress, prefix: Int?)
    case list([Node])
    case field(String)
    case call(String, [Node])
    case unary(UnaryOperator, Node)
    case binary(BinaryOperator, Node, Node)
    /// `x is null` (`negated`: `is not null`).
    case isNull(Node, negated: Bool)

    struct Node: Sendable {
        var expression: Expression
        var position: SourcePosition
        /// Height of the tree below this node, bounded by `Parser.maximumDepth`.
        var height: Int
    }
}

enum UnaryOperator: String, Sendable {
    case negate = "-", not
}

enum BinaryOperator: String, Sendable {
    case or, and
    case equal = "==", notEqual = "!=", less = "<", lessOrEqual = "<=", greater = ">", greaterOrEqual = ">="
    case `in`, notIn = "not in", matches
    case add = "+", subtract = "-", multiply = "*", divide = "/"
}

/// A recursive-descent parser with precedence climbing, lowest first:
///
/// ```
/// expression  = or
/// or          = and { "or" and }
/// and         = not { "and" not }
/// not         = "not" not | comparison
/// comparison  = sum [ ("==" | "!=" | "<" | "<=" | ">" | ">=" | "in" | "not" "in" | "matches") sum
///                   | "is" ["not"] "null" ]
/// sum         = product { ("+" | "-") product }
/// product     = unary { ("*" | "/") unary }
/// unary       = "-" unary | primary
/// primary     = number | string | "true" | "false" | "null" | address | list | field | call | "(" expression ")"
/// list        = "[" [ expression { "," expression } ] "]"
/// call        = name "(" [ expression { "," expression } ] ")"
/// ```
///
/// Comparisons do not chain (`a < b < c` is an error). Nesting is bounded (`maximumDepth`), so that a hostile
/// rules file cannot exhaust the stack, neither here nor in the compiled closures.
struct Parser {
    static let maximumDepth = 64

    private let tokens: [Token]
    private var index = 0
    private var depth = 0

    static func parse(_ source: String) throws(ExpressionError) -> Expression.Node {
        var parser = Parser(tokens: try Lexer.tokenize(source))
        let node = try parser.parseExpression()
        let token = parser.current
        guard token.kind == .end else {
            if case .identifier = token.kind, parser.index > 0, case .number(_, .number) = parser.tokens[parser.index - 1].kind {
                throw ExpressionError(
                    position: token.position,
                    message: "unexpected '\(token.text)' after a number (write units without a space, e.g. 3s)")
            }
            throw ExpressionError(position: token.position, message: "expected an operator or the end, found '\(token.text)'")
        }
        return node
    }

    private init(tokens: [Token]) {
        self.tokens = tokens
    }

    private var current: Token { tokens[Swift.min(index, tokens.count - 1)] }

    private mutating func take() -> Token {
        let token = current
        if index < tokens.count - 1 { index += 1 }
        return token
    }

    private mutating func accept(_ symbol: Token.Symbol) -> Bool {
        guard current.kind == .symbol(symbol) else { return false }
        index += 1
        return true
    }

    private mutating func accept(_ keyword: Token.Keyword) -> Bool {
        guard current.kind == .keyword(keyword) else { return false }
        index += 1
        return true
    }

    private func node(_ e: Expression, _ at: SourcePosition, _ children: Expression.Node...) throws(ExpressionError) -> Expression.Node {
        let height = 1 + (children.map(\.height).max() ?? 0)
        guard height <= Self.maximumDepth else { throw Self.tooDeep(at) }
        return Expression.Node(expression: e, position: at, height: height)
    }

    private static func tooDeep(_ at: SourcePosition) -> ExpressionError {
        ExpressionError(position: at, message: "expression nested too deeply (more than \(maximumDepth) levels)")
    }

    private mutating func enter(_ at: SourcePosition) throws(ExpressionError) {
        depth += 1
        guard depth <= Self.maximumDepth else { throw Self.tooDeep(at) }
    }

    // MARK: - Levels

    private mutating func parseExpression() throws(ExpressionError) -> Expression.Node {
        try enter(current.position)
        defer { depth -= 1 }
        var left = try parseAnd()
        while current.kind == .keyword(.or) {
            let at = take().position
            let right = try parseAnd()
            left = try node(.binary(.or, left, right), at, left, right)
        }
        return left
    }

    private mutating func parseAnd() throws(ExpressionError) -> Expression.Node {
        var left = try parseNot()
        while current.kind == .keyword(.and) {
            let at = take().position
            let right = try parseNot()
            left = try node(.binary(.and, left, right), at, left, right)
        }
        return left
    }

    private mutating func parseNot() throws(ExpressionError) -> Expression.Node {
        guard current.kind == .keyword(.not) else { return try parseComparison() }
        let at = take().position
        try enter(at)
        defer { depth -= 1 }
        let operand = try parseNot()
        return try node(.unary(.not, operand), at, operand)
    }

    private mutating func parseComparison() throws(ExpressionError) -> Expression.Node {
        let left = try parseSum()
        let at = current.position
        let op: BinaryOperator
        switch current.kind {
        case .symbol(.equal): op = .equal
        case .symbol(.notEqual): op = .notEqual
        case .symbol(.less): op = .less
        case .symbol(.lessOrEqual): op = .lessOrEqual
        case .symbol(.greater): op = .greater
        case .symbol(.greaterOrEqual): op = .greaterOrEqual
        case .keyword(.in): op = .in
        case .keyword(.matches): op = .matches
        case .keyword(.not):
            guard index + 1 < tokens.count, tokens[index + 1].kind == .keyword(.in) else {
                throw ExpressionError(position: at, message: "expected 'in' after 'not' here (or 'and' / 'or' before 'not')")
            }
            index += 1
            op = .notIn
        case .keyword(.is):
            index += 1
            let negated = accept(.not)
            guard accept(.null) else {
                throw ExpressionError(position: current.position, message: "expected 'null' after 'is', found '\(current.text)'")
            }
            let result = try node(.isNull(left, negated: negated), at, left)
            try refuseChain()
            return result
        default:
            return left
        }
        index += 1
        let right = try parseSum()
        let result = try node(.binary(op, left, right), at, left, right)
        try refuseChain()
        return result
    }

    private func refuseChain() throws(ExpressionError) {
        switch current.kind {
        case .symbol(.equal), .symbol(.notEqual), .symbol(.less), .symbol(.lessOrEqual), .symbol(.greater),
            .symbol(.greaterOrEqual), .keyword(.in), .keyword(.matches), .keyword(.is):
            throw ExpressionError(
                position: current.position,
                message: "comparisons do not chain: '\(current.text)' after a comparison (use 'and')")
        default: return
        }
    }

    private mutating func parseSum() throws(ExpressionError) -> Expression.Node {
        var left = try parseProduct()
        while true {
            let op: BinaryOperator
            switch current.kind {
            case .symbol(.plus): op = .add
            case .symbol(.minus): op = .subtract
            default: return left
            }
            let at = take().position
            let right = try parseProduct()
            left = try node(.binary(op, left, right), at, left, right)
        }
    }

    private mutating func parseProduct() throws(ExpressionError) -> Expression.Node {
        var left = try parseUnary()
        while true {
            let op: BinaryOperator
            switch current.kind {
            case .symbol(.star): op = .multiply
            case .symbol(.slash): op = .divide
            default: return left
            }
            let at = take().position
            let right = try parseUnary()
            left = try node(.binary(op, left, right), at, left, right)
        }
    }

    private mutating func parseUnary() throws(ExpressionError) -> Expression.Node {
        guard current.kind == .symbol(.minus) else { return try parsePrimary() }
        let at = take().position
        try enter(at)
        defer { depth -= 1 }
        let operand = try parseUnary()
        return try node(.unary(.negate, operand), at, operand)
    }

    private mutating func parsePrimary() throws(ExpressionError) -> Expression.Node {
        let token = take()
        let at = token.position
        switch token.kind {
        case .number(let value, let type): return try node(.number(value, type), at)
        case .string(let s): return try node(.string(s), at)
        case .address(let a, let prefix): return try node(.address(a, prefix: prefix), at)
        case .keyword(.true): return try node(.boolean(true), at)
        case .keyword(.false): return try node(.boolean(false), at)
        case .keyword(.null): return try node(.null, at)
        case .identifier(let name):
            guard accept(.leftParen) else { return try node(.field(name), at) }
            let arguments = try parseSequence(closing: .rightParen, opening: at)
            return try node(.call(name, arguments), at, arguments)
        case .symbol(.leftParen):
            let inner = try parseExpression()
            guard accept(.rightParen) else {
                throw ExpressionError(position: current.position, message: "expected ')' to close '(' at \(at.line):\(at.column), found '\(current.text)'")
            }
            return inner
        case .symbol(.leftBracket):
            let elements = try parseSequence(closing: .rightBracket, opening: at)
            return try node(.list(elements), at, elements)
        case .end:
            throw ExpressionError(position: at, message: "expected a value, found the end of the expression")
        default:
            throw ExpressionError(position: at, message: "expected a value, found '\(token.text)'")
        }
    }

    private mutating func parseSequence(closing: Token.Symbol, opening: SourcePosition) throws(ExpressionError) -> [Expression.Node] {
        try enter(opening)
        defer { depth -= 1 }
        var elements: [Expression.Node] = []
        if accept(closing) { return elements }
        while true {
            elements.append(try parseExpression())
            if accept(closing) { return elements }
            guard accept(.comma) else {
                throw ExpressionError(position: current.position, message: "expected ',' or '\(closing.rawValue)', found '\(current.text)'")
            }
        }
    }
}

extension Parser {
    fileprivate func node(_ e: Expression, _ at: SourcePosition, _ children: [Expression.Node]) throws(ExpressionError) -> Expression.Node {
        let height = 1 + (children.map(\.height).max() ?? 0)
        guard height <= Self.maximumDepth else { throw Self.tooDeep(at) }
        return Expression.Node(expression: e, position: at, height: height)
    }
}

import WireFormat

/// An expression parsed, type-checked against a `FieldRegistry` and compiled to closures, once.
///
/// Evaluation walks no tree and parses nothing: each node is a closure over its constants and children.
/// Arithmetic and comparisons on numbers, durations, sizes and booleans allocate nothing.
public struct CompiledExpression<Record>: Sendable {
    /// The expression's static type.
    public let type: ValueType
    /// The fields the expression reads, in order of first mention (the evidence of a match).
    public let fieldsRead: [String]
    /// The source text, as written.
    public let source: String
    let body: @Sendable (Record) -> Value

    /// Compiles `source`; errors point into `source` (line 1 is its first line) and name `file`.
    public init(_ source: String, registry: FieldRegistry<Record>, file: String = "<expression>") throws(RuleError) {
        do {
            self = try Self.compile(source, registry: registry)
        } catch {
            throw RuleError(file: file, line: error.position.line, column: error.position.column, message: error.message)
        }
    }

    init(type: ValueType, fieldsRead: [String], source: String, body: @escaping @Sendable (Record) -> Value) {
        self.type = type
        self.fieldsRead = fieldsRead
        self.source = source
        self.body = body
    }

    static func compile(_ source: String, registry: FieldRegistry<Record>) throws(ExpressionError) -> Self {
        let tree = try Parser.parse(source)
        var compiler = Compiler(registry: registry)
        let compiled = try compiler.compile(tree)
        return CompiledExpression(type: compiled.type, fieldsRead: compiler.fieldsRead, source: source, body: compiled.body)
    }

    public func evaluate(_ record: Record) -> Value { body(record) }

    /// True when the expression is the boolean `true` (`null` and `false` are not).
    public func isTrue(_ record: Record) -> Bool {
        if case .boolean(true) = body(record) { return true }
        return false
    }
}

// MARK: - Type checking and compilation

struct Compiler<Record> {
    typealias Body = @Sendable (Record) -> Value
    struct Compiled {
        var type: ValueType
        var body: Body
    }

    let registry: FieldRegistry<Record>
    private(set) var fieldsRead: [String] = []

    init(registry: FieldRegistry<Record>) {
        self.registry = registry
    }

    static func mismatch(_ at: SourcePosition, _ what: String, _ left: ValueType, _ right: ValueType) -> ExpressionError {
        ExpressionError(position: at, message: "type mismatch: cannot apply '\(what)' to \(left) and \(right)")
    }

    mutating func compile(_ node: Expression.Node) throws(ExpressionError) -> Compiled {
        let at = node.position
        switch node.expression {
        case .number(let n, let type):
            let value = Value.number(n)
            return Compiled(type: type, body: { _ in value })
        case .string(let s):
            let value = Value.string(s)
            return Compiled(type: .string, body: { _ in value })
        case .boolean(let b):
            let value = Value.boolean(b)
            return Compiled(type: .boolean, body: { _ in value })
        case .address(let a, let prefix):
            guard prefix == nil else {
                throw ExpressionError(position: at, message: "a CIDR block is only allowed after 'in'")
            }
            let value = Value.address(a)
            return Compiled(type: .address, body: { _ in value })
        case .null:
            throw ExpressionError(position: at, message: "null can only be tested with 'is null', 'is not null', '== null' or '!= null'")
        case .list:
            throw ExpressionError(position: at, message: "a list is only allowed after 'in' or 'matches'")
        case .field(let name):
            guard let entry = registry.entry(name) else {
                let hint = registry.suggestion(for: name).map { " (did you mean '\($0)'?)" } ?? ""
                throw ExpressionError(position: at, message: "unknown field '\(name)'\(hint)")
            }
            if !fieldsRead.contains(name) { fieldsRead.append(name) }
            return Compiled(type: entry.type, body: entry.read)
        case .call(let name, let arguments):
            return try compileCall(name, arguments, at)
        case .unary(.not, let operand):
            let inner = try expect(.boolean, operand, "not")
            return Compiled(type: .boolean, body: { r in .boolean(!truth(inner(r))) })
        case .unary(.negate, let operand):
            let inner = try compile(operand)
            guard inner.type.isNumeric else {
                throw ExpressionError(position: at, message: "type mismatch: cannot negate a \(inner.type)")
            }
            let f = inner.body
            return Compiled(type: inner.type, body: { r in
                guard case .number(let x) = f(r) else { return .null }
                return .number(-x)
            })
        case .isNull(let operand, let negated):
            let f = try compileAny(operand)
            return Compiled(type: .boolean, body: { r in .boolean((f(r) == .null) != negated) })
        case .binary(let op, let left, let right):
            return try compileBinary(op, left, right, at)
        }
    }

    /// Compiles a node of any type, allowing lists and `null` nowhere.
    private mutating func compileAny(_ node: Expression.Node) throws(ExpressionError) -> Body {
        try compile(node).body
    }

    private mutating func expect(_ type: ValueType, _ node: Expression.Node, _ what: String) throws(ExpressionError) -> Body {
        let compiled = try compile(node)
        guard compiled.type == type else {
            throw ExpressionError(
                position: node.position, message: "type mismatch: '\(what)' needs a \(type), found a \(compiled.type)")
        }
        return compiled.body
    }

    // MARK: Operators

    private mutating func compileBinary(
        _ op: BinaryOperator, _ left: Expression.Node, _ right: Expression.Node, _ at: SourcePosition
    ) throws(ExpressionError) -> Compiled {
        switch op {
        case .and, .or:
            let l = try expect(.boolean, left, op.rawValue)
            let r = try expect(.boolean, right, op.rawValue)
            if op == .and {
                return Compiled(type: .boolean, body: { x in truth(l(x)) ? .boolean(truth(r(x))) : .boolean(false) })
            }
            return Compiled(type: .boolean, body: { x in truth(l(x)) ? .boolean(true) : .boolean(truth(r(x))) })
        case .equal, .notEqual:
            if case .null = right.expression {
                let f = try compileAny(left)
                let negated = op == .notEqual
                return Compiled(type: .boolean, body: { r in .boolean((f(r) == .null) != negated) })
            }
            if case .null = left.expression {
                let f = try compileAny(right)
                let negated = op == .notEqual
                return Compiled(type: .boolean, body: { r in .boolean((f(r) == .null) != negated) })
            }
            let l = try compile(left)
            let r = try compile(right)
            guard l.type == r.type, l.type != .stringList else { throw Self.mismatch(at, op.rawValue, l.type, r.type) }
            let (lf, rf) = (l.body, r.body)
            let equal = op == .equal
            return Compiled(type: .boolean, body: { x in
                let a = lf(x)
                let b = rf(x)
                if a == .null || b == .null { return .boolean(false) }
                return .boolean((a == b) == equal)
            })
        case .less, .lessOrEqual, .greater, .greaterOrEqual:
            let l = try compile(left)
            let r = try compile(right)
            guard l.type == r.type, l.type.isNumeric else { throw Self.mismatch(at, op.rawValue, l.type, r.type) }
            let (lf, rf) = (l.body, r.body)
            let test: @Sendable (Double, Double) -> Bool =
                switch op {
                case .less: { $0 < $1 }
                case .lessOrEqual: { $0 <= $1 }
                case .greater: { $0 > $1 }
                default: { $0 >= $1 }
                }
            return Compiled(type: .boolean, body: { x in
                guard case .number(let a) = lf(x), case .number(let b) = rf(x) else { return .boolean(false) }
                return .boolean(test(a, b))
            })
        case .add, .subtract, .multiply, .divide:
            return try compileArithmetic(op, left, right, at)
        case .in, .notIn:
            let membership = try compileMembership(left, right, at)
            if op == .in { return membership }
            let (member, needle) = (membership.body, try compileAny(left))
            // `null not in [...]` is false, like every comparison with null.
            return Compiled(type: .boolean, body: { x in .boolean(needle(x) != .null && !truth(member(x))) })
        case .matches:
            let subject = try expect(.string, left, "matches")
            let patterns: [Glob]
            switch right.expression {
            case .string(let s): patterns = [Glob(s)]
            case .list(let elements):
                var globs: [Glob] = []
                for element in elements {
                    guard case .string(let s) = element.expression else {
                        throw ExpressionError(position: element.position, message: "'matches' needs glob patterns in double quotes")
                    }
                    globs.append(Glob(s))
                }
                patterns = globs
            default:
                throw ExpressionError(position: right.position, message: "'matches' needs a glob pattern in double quotes (or a list of them)")
            }
            return Compiled(type: .boolean, body: { x in
                guard case .string(let s) = subject(x) else { return .boolean(false) }
                for pattern in patterns where pattern.matches(s) { return .boolean(true) }
                return .boolean(false)
            })
        }
    }

    private mutating func compileArithmetic(
        _ op: BinaryOperator, _ left: Expression.Node, _ right: Expression.Node, _ at: SourcePosition
    ) throws(ExpressionError) -> Compiled {
        let l = try compile(left)
        let r = try compile(right)
        let result: ValueType
        var scale = 1.0
        switch (op, l.type, r.type) {
        case (.add, let a, let b), (.subtract, let a, let b):
            guard a == b, a.isNumeric else { throw Self.mismatch(at, op.rawValue, a, b) }
            result = a
        case (.multiply, .number, let b) where b.isNumeric: result = b
        case (.multiply, let a, .number) where a.isNumeric: result = a
        case (.divide, let a, .number) where a.isNumeric: result = a
        case (.divide, .duration, .duration), (.divide, .size, .size): result = .number
        case (.divide, .size, .duration):
            result = .number
            scale = 8  // bytes per second to bits per second, like rate literals
        default:
            throw Self.mismatch(at, op.rawValue, l.type, r.type)
        }
        let (lf, rf) = (l.body, r.body)
        let factor = scale
        let body: Body
        switch op {
        case .add:
            body = { x in
                guard case .number(let a) = lf(x), case .number(let b) = rf(x) else { return .null }
                return .number(a + b)
            }
        case .subtract:
            body = { x in
                guard case .number(let a) = lf(x), case .number(let b) = rf(x) else { return .null }
                return .number(a - b)
            }
        case .multiply:
            body = { x in
                guard case .number(let a) = lf(x), case .number(let b) = rf(x) else { return .null }
                return .number(a * b)
            }
        default:
            body = { x in
                guard case .number(let a) = lf(x), case .number(let b) = rf(x), b != 0 else { return .null }
                return .number(a / b * factor)
            }
        }
        return Compiled(type: result, body: body)
    }

    /// `x in y`: a string in a string list (field or literal), a number/duration/size in a list of the same type,
    /// an address in a CIDR block or a list of blocks and addresses (strings such as `"10.0.0.0/8"` allowed).
    private mutating func compileMembership(
        _ left: Expression.Node, _ right: Expression.Node, _ at: SourcePosition
    ) throws(ExpressionError) -> Compiled {
        let l = try compile(left)
        let lf = l.body
        if l.type == .address {
            let blocks = try cidrBlocks(right)
            return Compiled(type: .boolean, body: { x in
                guard case .address(let a) = lf(x) else { return .boolean(false) }
                for block in blocks where block.contains(a) { return .boolean(true) }
                return .boolean(false)
            })
        }
        if case .list(let elements) = right.expression {
            guard l.type != .boolean, l.type != .stringList else {
                throw ExpressionError(position: at, message: "type mismatch: 'in' cannot look for a \(l.type) in a list")
            }
            var bodies: [Body] = []
            for element in elements {
                let e = try compile(element)
                guard e.type == l.type else {
                    throw ExpressionError(
                        position: element.position, message: "type mismatch: list of \(l.type) values contains a \(e.type)")
                }
                bodies.append(e.body)
            }
            let elementBodies = bodies
            return Compiled(type: .boolean, body: { x in
                let needle = lf(x)
                if needle == .null { return .boolean(false) }
                for body in elementBodies where body(x) == needle { return .boolean(true) }
                return .boolean(false)
            })
        }
        let r = try compile(right)
        guard l.type == .string, r.type == .stringList else { throw Self.mismatch(at, "in", l.type, r.type) }
        let rf = r.body
        return Compiled(type: .boolean, body: { x in
            guard case .string(let s) = lf(x), case .stringList(let list) = rf(x) else { return .boolean(false) }
            return .boolean(list.contains(s))
        })
    }

    private func cidrBlocks(_ node: Expression.Node) throws(ExpressionError) -> [CIDRBlock] {
        func block(_ element: Expression.Node) throws(ExpressionError) -> CIDRBlock {
            switch element.expression {
            case .address(let a, let prefix): return CIDRBlock(a, prefix: prefix)
            case .string(let s):
                guard let b = CIDRBlock(s) else {
                    throw ExpressionError(position: element.position, message: "invalid address or CIDR block \"\(s)\"")
                }
                return b
            default:
                throw ExpressionError(
                    position: element.position, message: "'in' after an address needs a CIDR block (17.0.0.0/8) or a list of them")
            }
        }
        if case .list(let elements) = node.expression {
            var blocks: [CIDRBlock] = []
            for element in elements { blocks.append(try block(element)) }
            return blocks
        }
        return [try block(node)]
    }

    // MARK: Functions

    private mutating func compileCall(_ name: String, _ arguments: [Expression.Node], _ at: SourcePosition) throws(ExpressionError) -> Compiled {
        let known = ["max", "min", "abs", "count"]
        switch name {
        case "max", "min":
            guard !arguments.isEmpty else {
                throw ExpressionError(position: at, message: "\(name)() needs at least 1 argument, found 0")
            }
            var type: ValueType?
            var bodies: [Body] = []
            for argument in arguments {
                let a = try compile(argument)
                guard a.type.isNumeric else {
                    throw ExpressionError(position: argument.position, message: "type mismatch: \(name)() needs numbers, durations or sizes, found a \(a.type)")
                }
                if let t = type, t != a.type { throw Self.mismatch(argument.position, name, t, a.type) }
                type = a.type
                bodies.append(a.body)
            }
            let isMax = name == "max"
            let argumentBodies = bodies
            return Compiled(type: type ?? .number, body: { x in
                var best = isMax ? -Double.infinity : Double.infinity
                for body in argumentBodies {
                    guard case .number(let v) = body(x) else { return .null }
                    best = isMax ? Swift.max(best, v) : Swift.min(best, v)
                }
                return .number(best)
            })
        case "abs", "count":
            guard arguments.count == 1 else {
                throw ExpressionError(position: at, message: "\(name)() takes 1 argument, found \(arguments.count)")
            }
            let a = try compile(arguments[0])
            let f = a.body
            if name == "abs" {
                guard a.type.isNumeric else {
                    throw ExpressionError(position: arguments[0].position, message: "type mismatch: abs() needs a number, duration or size, found a \(a.type)")
                }
                return Compiled(type: a.type, body: { x in
                    guard case .number(let v) = f(x) else { return .null }
                    return .number(Swift.abs(v))
                })
            }
            guard a.type == .stringList else {
                throw ExpressionError(position: arguments[0].position, message: "type mismatch: count() needs a string list, found a \(a.type)")
            }
            return Compiled(type: .number, body: { x in
                guard case .stringList(let l) = f(x) else { return .null }
                return .number(Double(l.count))
            })
        default:
            let hint = nearest(name, among: known).map { " (did you mean '\($0)'?)" } ?? " (functions: max, min, abs, count)"
            throw ExpressionError(position: at, message: "unknown function '\(name)'\(hint)")
        }
    }
}

/// A value in a condition: only `true` is true (`null` counts as false).
@inline(__always) func truth(_ value: Value) -> Bool {
    if case .boolean(true) = value { return true }
    return false
}

extension ValueType {
    var isNumeric: Bool { self == .number || self == .duration || self == .size }
}

import WireFormat

/// One token of the expression language, with where it starts.
struct Token: Sendable {
    enum Kind: Sendable, Equatable {
        /// A number with its unit already applied: seconds, bytes, or bits per second for rates.
        case number(Double, ValueType)
        case string(String)
        case identifier(String)
        /// An address, with a prefix length when written as a CIDR block (`17.0.0.0/8`, `2001:db8::/32`).
        case address(IPAddress, prefix: Int?)
        case keyword(Keyword)
        case symbol(Symbol)
        case end
    }

    enum Keyword: String, Sendable, CaseIterable {
        case and, or, not, `in`, matches, `is`, null, `true`, `false`
    }

    enum Symbol: String, Sendable {
        case leftParen = "(", rightParen = ")", leftBracket = "[", rightBracket = "]", comma = ","
        case plus = "+", minus = "-", star = "*", slash = "/"
        case equal = "==", notEqual = "!=", less = "<", lessOrEqual = "<=", greater = ">", greaterOrEqual = ">="
    }

    var kind: Kind
    var position: SourcePosition
    /// The token's text as written (for messages).
    var text: String
}

/// Units of number literals, written right after the number (`3s`, `500ms`, `16KiB`, `128kbit/s`).
///
/// Durations are kept in seconds, sizes in bytes, rates in bits per second (a rate is a `number`). `KB`, `MB`, `GB`
/// are decimal (1000), `KiB`, `MiB`, `GiB` binary (1024); `bit`, `kbit`, `Mbit`, `Gbit` are sizes in bits.
enum Units {
    static let table: [String: (Double, ValueType)] = [
        "ns": (1e-9, .duration), "us": (1e-6, .duration), "ms": (1e-3, .duration), "s": (1, .duration),
        "min": (60, .duration), "h": (3600, .duration),
        "B": (1, .size), "KB": (1e3, .size), "MB": (1e6, .size), "GB": (1e9, .size),
        "KiB": (1024, .size), "MiB": (1_048_576, .size), "GiB": (1_073_741_824, .size),
        "bit": (0.125, .size), "kbit": (125, .size), "Mbit": (125_000, .size), "Gbit": (125_000_000, .size),
        "bit/s": (1, .number), "kbit/s": (1e3, .number), "Mbit/s": (1e6, .number), "Gbit/s": (1e9, .number),
        "B/s": (8, .number), "KB/s": (8e3, .number), "MB/s": (8e6, .number),
        "KiB/s": (8192, .number), "MiB/s": (8_388_608, .number),
    ]

    /// Spellings people write, mapped to the unit meant (for "did you mean").
    static let aliases: [String: String] = [
        "sec": "s", "secs": "s", "second": "s", "seconds": "s", "msec": "ms", "msecs": "ms", "m": "min",
        "mins": "min", "minute": "min", "minutes": "min", "hr": "h", "hrs": "h", "hour": "h", "hours": "h",
        "byte": "B", "bytes": "B", "k": "KiB", "kbps": "kbit/s", "mbps": "Mbit/s", "gbps": "Gbit/s", "bps": "bit/s",
    ]

    static let listing = "durations ns, us, ms, s, min, h; sizes B, KB, MB, GB, KiB, MiB, GiB, bit, kbit, Mbit, Gbit; "
        + "rates bit/s, kbit/s, Mbit/s, Gbit/s, B/s, KB/s, MB/s, KiB/s, MiB/s"
}

/// Splits an expression into tokens, counting lines and columns (columns in Unicode scalars, as libyaml does).
struct Lexer {
    private let bytes: [UInt8]
    private var offset = 0
    private var line = 1
    private var column = 1

    init(_ source: String) {
        bytes = Array(source.utf8)
    }

    static func tokenize(_ source: String) throws(ExpressionError) -> [Token] {
        var lexer = Lexer(source)
        var tokens: [Token] = []
        while true {
            let token = try lexer.next()
            tokens.append(token)
            if token.kind == .end { return tokens }
        }
    }

    private func peek(_ ahead: Int = 0) -> UInt8? {
        offset + ahead < bytes.count ? bytes[offset + ahead] : nil
    }

    private mutating func advance() {
        guard offset < bytes.count else { return }
        if bytes[offset] == UInt8(ascii: "\n") {
            line += 1
            column = 1
        } else if bytes[offset] & 0xC0 != 0x80 {
            column += 1
        }
        offset += 1
    }

    private func text(from start: Int) -> String {
        String(decoding: bytes[start..<offset], as: UTF8.self)
    }

    mutating func next() throws(ExpressionError) -> Token {
        while let c = peek(), c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D { advance() }
        let position = SourcePosition(line: line, column: column)
        let start = offset
        guard let c = peek() else { return Token(kind: .end, position: position, text: "end of expression") }

        if let address = try lexAddress(position) { return address }
        if isDigit(c) { return try lexNumber(position) }
        if isIdentifierStart(c) {
            while let d = peek(), isIdentifierPart(d) || (d == UInt8(ascii: ".") && peek(1).map(isIdentifierStart) == true) {
                advance()
            }
            let word = text(from: start)
            if let keyword = Token.Keyword(rawValue: word) {
                return Token(kind: .keyword(keyword), position: position, text: word)
            }
            return Token(kind: .identifier(word), position: position, text: word)
        }
        if c == UInt8(ascii: "\"") { return try lexString(position) }

        advance()
        let two: Token.Symbol?
        switch (c, peek()) {
        case (UInt8(ascii: "="), UInt8(ascii: "=")): two = .equal
        case (UInt8(ascii: "!"), UInt8(ascii: "=")): two = .notEqual
        case (UInt8(ascii: "<"), UInt8(ascii: "=")): two = .lessOrEqual
        case (UInt8(ascii: ">"), UInt8(ascii: "=")): two = .greaterOrEqual
        default: two = nil
        }
        if let two {
            advance()
            return Token(kind: .symbol(two), position: position, text: two.rawValue)
        }
        let single = String(decoding: [c], as: UTF8.self)
        if let symbol = Token.Symbol(rawValue: single) {
            return Token(kind: .symbol(symbol), position: position, text: single)
        }
        while let d = peek(), d & 0xC0 == 0x80 { advance() }
        let shown = text(from: start)
        switch shown {
        case "=": throw ExpressionError(position: position, message: "unexpected '=' (use '==' to compare)")
        case "!": throw ExpressionError(position: position, message: "unexpected '!' (use 'not' or '!=')")
        case "&", "|": throw ExpressionError(position: position, message: "unexpected '\(shown)' (use 'and' / 'or')")
        case "'": throw ExpressionError(position: position, message: "unexpected \"'\" (strings are written in double quotes)")
        default: throw ExpressionError(position: position, message: "unexpected character '\(shown)'")
        }
    }

    // MARK: - Literals

    private mutating func lexNumber(_ position: SourcePosition) throws(ExpressionError) -> Token {
        let start = offset
        while let d = peek(), isDigit(d) { advance() }
        if peek() == UInt8(ascii: "."), let d = peek(1), isDigit(d) {
            advance()
            while let d = peek(), isDigit(d) { advance() }
        }
        let digits = text(from: start)
        guard let magnitude = Double(digits), magnitude.isFinite else {
            throw ExpressionError(position: position, message: "number '\(digits)' is out of range")
        }
        guard let c = peek(), isLetter(c) else {
            return Token(kind: .number(magnitude, .number), position: position, text: digits)
        }
        let unitStart = offset
        while let d = peek(), isLetter(d) { advance() }
        if peek() == UInt8(ascii: "/"), peek(1) == UInt8(ascii: "s"), peek(2).map(isIdentifierPart) != true {
            advance()
            advance()
        }
        let unit = text(from: unitStart)
        guard let (scale, type) = Units.table[unit] else {
            let hint = Units.table.keys.first { $0.lowercased() == unit.lowercased() } ?? Units.aliases[unit.lowercased()]
            let suggestion = hint.map { " (did you mean '\(digits)\($0)'?)" } ?? " (units: \(Units.listing))"
            throw ExpressionError(position: position, message: "unknown unit '\(unit)' in '\(text(from: start))'\(suggestion)")
        }
        return Token(kind: .number(magnitude * scale, type), position: position, text: text(from: start))
    }

    /// An IPv4 dotted quad or an IPv6 address (anything with a ':'), with an optional `/prefix`.
    private mutating func lexAddress(_ position: SourcePosition) throws(ExpressionError) -> Token? {
        var end = offset
        var colons = 0
        var dots = 0
        while end < bytes.count {
            let b = bytes[end]
            if b == UInt8(ascii: ":") { colons += 1 } else if b == UInt8(ascii: ".") { dots += 1 } else if !isHexDigit(b) { break }
            end += 1
        }
        let candidate = String(decoding: bytes[offset..<end], as: UTF8.self)
        let isV4 = colons == 0 && dots == 3 && candidate.first.map(\.isNumber) == true
            && candidate.allSatisfy { $0.isNumber || $0 == "." }
        guard colons >= 2 || isV4 else { return nil }
        let start = offset
        while offset < end { advance() }
        guard let address = IPAddress(candidate) else {
            throw ExpressionError(position: position, message: "invalid address '\(candidate)'")
        }
        var prefix: Int?
        if peek() == UInt8(ascii: "/"), let d = peek(1), isDigit(d) {
            advance()
            let prefixStart = offset
            while let d = peek(), isDigit(d) { advance() }
            let limit = address.isIPv6 ? 128 : 32
            guard let p = Int(text(from: prefixStart)), p <= limit else {
                throw ExpressionError(
                    position: position, message: "invalid prefix length in '\(text(from: start))' (0 to \(limit))")
            }
            prefix = p
        }
        return Token(kind: .address(address, prefix: prefix), position: position, text: text(from: start))
    }

    private mutating func lexString(_ position: SourcePosition) throws(ExpressionError) -> Token {
        let start = offset
        advance()
        var value: [UInt8] = []
        while let c = peek() {
            if c == UInt8(ascii: "\"") {
                advance()
                return Token(kind: .string(String(decoding: value, as: UTF8.self)), position: position, text: text(from: start))
            }
            if c == UInt8(ascii: "\n") { break }
            if c == UInt8(ascii: "\\") {
                advance()
                guard let e = peek(), e == UInt8(ascii: "\"") || e == UInt8(ascii: "\\") else {
                    throw ExpressionError(
                        position: SourcePosition(line: line, column: column - 1),
                        message: "unknown escape in string (only \\\" and \\\\ are allowed)")
                }
                value.append(e)
                advance()
                continue
            }
            value.append(c)
            advance()
        }
        throw ExpressionError(position: position, message: "unterminated string")
    }
}

// MARK: - Character classes

private func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }
private func isLetter(_ c: UInt8) -> Bool { (c | 0x20) >= 0x61 && (c | 0x20) <= 0x7A }
private func isHexDigit(_ c: UInt8) -> Bool { isDigit(c) || ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x66) }
private func isIdentifierStart(_ c: UInt8) -> Bool { isLetter(c) || c == UInt8(ascii: "_") }
private func isIdentifierPart(_ c: UInt8) -> Bool { isIdentifierStart(c) || isDigit(c) }

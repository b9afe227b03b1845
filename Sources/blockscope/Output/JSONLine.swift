/// Builds one JSON object on one line, keys in the order written (stable output for tests and diffs).
struct JSONLine {
    private(set) var text = "{"
    private var first = true

    private mutating func key(_ name: String) {
        if !first { text += "," }
        first = false
        Self.appendString(name, to: &text)
        text += ":"
    }

    mutating func add(_ name: String, _ value: String?) {
        key(name)
        if let value { Self.appendString(value, to: &text) } else { text += "null" }
    }

    mutating func add(_ name: String, _ value: Int?) {
        key(name)
        text += value.map(String.init) ?? "null"
    }

    mutating func add(_ name: String, _ value: Bool?) {
        key(name)
        text += value.map { $0 ? "true" : "false" } ?? "null"
    }

    /// A number with `places` decimals, or null.
    mutating func add(_ name: String, _ value: Double?, places: Int) {
        key(name)
        text += value.map { Format.decimal($0, places: places) } ?? "null"
    }

    /// A duration in seconds (6 decimals, as Zeek's intervals), or null.
    mutating func add(_ name: String, seconds nanoseconds: Int64?) {
        key(name)
        text += nanoseconds.map { Format.decimal(Double($0) / 1e9, places: 6) } ?? "null"
    }

    mutating func add(_ name: String, object: JSONLine?) {
        key(name)
        text += object?.finished ?? "null"
    }

    mutating func addBool(_ name: String, _ value: Bool) {
        key(name)
        text += value ? "true" : "false"
    }


    /// `ts`-style epoch seconds with nanosecond digits, exact (no floating-point rounding).
    mutating func add(_ name: String, epoch time: Int64, subsecond: Int64) {
        key(name)
        text += "\(time).\(Format.pad(subsecond, 9))"
    }

    mutating func add(_ name: String, counts: [(String, Int)]) {
        key(name)
        var object = JSONLine()
        for (label, count) in counts { object.add(label, count) }
        text += object.finished
    }

    mutating func add(_ name: String, strings: [String]) {
        key(name)
        text += "["
        for (index, value) in strings.enumerated() {
            if index > 0 { text += "," }
            Self.appendString(value, to: &text)
        }
        text += "]"
    }


    mutating func add(_ name: String, objects: [JSONLine]) {
        key(name)
        text += "[" + objects.map(\.finished).joined(separator: ",") + "]"
    }

    var finished: String { text + "}" }

    /// RFC 8259 string escaping.
    static func appendString(_ value: String, to text: inout String) {
        text += "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": text += "\\\""
            case "\\": text += "\\\\"
            case "\n": text += "\\n"
            case "\r": text += "\\r"
            case "\t": text += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                text += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: text.unicodeScalars.append(scalar)
            }
        }
        text += "\""
    }
}

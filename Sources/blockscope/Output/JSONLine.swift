/// Builds one JSON object on one line, keys in the order written (stable output for tests and diffs).
struct JSONLine {
    /// The object so far, as UTF-8 (one buffer per object: no String is built per value).
    private(set) var bytes: [UInt8]
    private var first = true

    init() {
        bytes = []
        bytes.reserveCapacity(256)
        bytes.append(UInt8(ascii: "{"))
    }

    private mutating func raw(_ text: String) { bytes.append(contentsOf: text.utf8) }

    private mutating func key(_ name: String) {
        if !first { bytes.append(UInt8(ascii: ",")) }
        first = false
        Self.appendString(name, to: &bytes)
        bytes.append(UInt8(ascii: ":"))
    }

    mutating func add(_ name: String, _ value: String?) {
        key(name)
        if let value { Self.appendString(value, to: &bytes) } else { raw("null") }
    }

    mutating func add(_ name: String, _ value: Int?) {
        key(name)
        raw(value.map(String.init) ?? "null")
    }

    mutating func add(_ name: String, _ value: Bool?) {
        key(name)
        raw(value.map { $0 ? "true" : "false" } ?? "null")
    }

    /// A number with `places` decimals, or null.
    mutating func add(_ name: String, _ value: Double?, places: Int) {
        key(name)
        raw(value.map { Format.decimal($0, places: places) } ?? "null")
    }

    /// A duration in seconds (6 decimals, as Zeek's intervals), or null.
    mutating func add(_ name: String, seconds nanoseconds: Int64?) {
        key(name)
        raw(nanoseconds.map { Format.decimal(Double($0) / 1e9, places: 6) } ?? "null")
    }

    mutating func add(_ name: String, object: JSONLine?) {
        key(name)
        if let object {
            bytes.append(contentsOf: object.bytes)
            bytes.append(UInt8(ascii: "}"))
        } else {
            raw("null")
        }
    }

    mutating func addBool(_ name: String, _ value: Bool) {
        key(name)
        raw(value ? "true" : "false")
    }

    /// `ts`-style epoch seconds with nanosecond digits, exact (no floating-point rounding).
    mutating func add(_ name: String, epoch time: Int64, subsecond: Int64) {
        key(name)
        raw("\(time).\(Format.pad(subsecond, 9))")
    }

    mutating func add(_ name: String, counts: [(String, Int)]) {
        var object = JSONLine()
        for (label, count) in counts { object.add(label, count) }
        add(name, object: object)
    }

    mutating func add(_ name: String, strings: [String]) {
        key(name)
        bytes.append(UInt8(ascii: "["))
        for (index, value) in strings.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            Self.appendString(value, to: &bytes)
        }
        bytes.append(UInt8(ascii: "]"))
    }

    mutating func add(_ name: String, objects: [JSONLine]) {
        key(name)
        bytes.append(UInt8(ascii: "["))
        for (index, object) in objects.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            bytes.append(contentsOf: object.bytes)
            bytes.append(UInt8(ascii: "}"))
        }
        bytes.append(UInt8(ascii: "]"))
    }

    /// The object as text.
    var finished: String { String(decoding: bytes + [UInt8(ascii: "}")], as: UTF8.self) }

    /// Writes the object and a newline to `output` (no intermediate String).
    func write(to output: OutputBuffer) {
        output.write(bytes: bytes)
        output.write(bytes: [UInt8(ascii: "}"), UInt8(ascii: "\n")])
    }

    /// RFC 8259 string escaping. Most strings (keys, addresses, names) need none: they are appended whole after
    /// one pass over their UTF-8 bytes; only a string with a quote, a backslash or a control character is escaped
    /// byte by byte (multi-byte UTF-8 sequences never contain those bytes, so they pass through unchanged).
    static func appendString(_ value: String, to bytes: inout [UInt8]) {
        bytes.append(UInt8(ascii: "\""))
        var plain = true
        for byte in value.utf8 where byte < 0x20 || byte == 0x22 || byte == 0x5C {
            plain = false
            break
        }
        if plain {
            bytes.append(contentsOf: value.utf8)
        } else {
            for byte in value.utf8 {
                switch byte {
                case 0x22: bytes.append(contentsOf: [0x5C, 0x22])
                case 0x5C: bytes.append(contentsOf: [0x5C, 0x5C])
                case 0x0A: bytes.append(contentsOf: [0x5C, UInt8(ascii: "n")])
                case 0x0D: bytes.append(contentsOf: [0x5C, UInt8(ascii: "r")])
                case 0x09: bytes.append(contentsOf: [0x5C, UInt8(ascii: "t")])
                case _ where byte < 0x20:
                    let hex = Array("0123456789abcdef".utf8)
                    bytes.append(contentsOf: [0x5C, UInt8(ascii: "u"), 0x30, 0x30, hex[Int(byte >> 4)], hex[Int(byte & 0xF)]])
                default: bytes.append(byte)  // UTF-8 passes through: JSON text is UTF-8 (RFC 8259 §8.1)
                }
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }
}
